// ZLMediaKit as the bench's target, beside our relay (issue 13: "measured side by side").
// Needs a MediaServer binary you built yourself from a ZLMediaKit checkout: BENCH_ZLM_BIN=/path/MediaServer.
// Nothing of ZLMediaKit is in this repository; this file only starts the binary and drives its HTTP API.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { cpuMsOf } from "../process-census.mjs";

const SECRET = "bench-secret";
const PAGE = 4096;

/** ZLM converts only to FLV (RTMP muxer), as our relay does without HLS viewers. */
function config(httpPort, rtpPorts) {
  return `[api]
apiDebug=0
secret=${SECRET}
[general]
streamNoneReaderDelayMS=600000
maxStreamWaitMS=15000
mergeWriteMS=0
[protocol]
modify_stamp=2
enable_audio=1
add_mute_audio=0
auto_close=0
enable_hls=0
enable_hls_fmp4=0
enable_mp4=0
enable_rtsp=0
enable_rtmp=1
enable_ts=0
enable_fmp4=0
[http]
port=${httpPort}
sslport=0
[rtmp]
port=0
sslport=0
[rtsp]
port=0
sslport=0
[rtp_proxy]
port=0
port_range=${rtpPorts}
timeoutSec=15
gop_cache=1
[shell]
port=0
[rtc]
port=0
[srt]
port=0
`;
}

function api(httpPort, path) {
  return new Promise((resolve, reject) => {
    get(`http://127.0.0.1:${httpPort}/index/api/${path}${path.includes("?") ? "&" : "?"}secret=${SECRET}`, (res) => {
      let text = "";
      res.on("data", (c) => (text += c));
      res.on("end", () => {
        try {
          resolve(JSON.parse(text));
        } catch (err) {
          reject(err);
        }
      });
    }).on("error", reject);
  });
}

export async function startZlm({ bin, httpPort, rtpPorts }) {
  const dir = mkdtempSync(join(tmpdir(), "ivc-bench-zlm-"));
  writeFileSync(join(dir, "config.ini"), config(httpPort, rtpPorts));
  const child = spawn(bin, ["-c", join(dir, "config.ini"), "-l", "3"], { cwd: dir, stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    if ((await api(httpPort, "getServerConfig").catch(() => undefined))?.code === 0) break;
  }
  const pid = child.pid;
  return {
    name: "ZLMediaKit",
    base: `http://127.0.0.1:${httpPort}`,
    viewerPrefix: "/rtp/",
    async open(streamId) {
      const reply = await api(httpPort, `openRtpServer?port=0&tcp_mode=0&stream_id=${streamId}`);
      if (reply.code !== 0) throw new Error(`openRtpServer: ${reply.msg}`);
      // No ssrc in the request: ZLMediaKit takes the first SSRC it sees, as WVP sets it up.
      return { port: reply.port, ssrc: 0x10000000 + reply.port };
    },
    async close(streamId) {
      await api(httpPort, `closeRtpServer?stream_id=${streamId}`).catch(() => undefined);
    },
    /** Process CPU and RSS from /proc; `busiest` is the thread with the most CPU, to spot one full core. */
    async sample() {
      const threads = Object.fromEntries(readdirSync(`/proc/${pid}/task`).map((tid) => [tid, cpuMsOf(`/proc/${pid}/task/${tid}/stat`)]));
      const rssPages = Number(readFileSync(`/proc/${pid}/statm`, "utf8").split(" ")[1]);
      return { at: performance.now(), cpuMicros: cpuMsOf(`/proc/${pid}/stat`) * 1000, threads, rss: rssPages * PAGE, lost: 0, streams: 0, shards: [] };
    },
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
