import { spawn } from "node:child_process";
import { deviceChanged, mediaOpen, streamAuthorize, type StreamAuthorizeReply } from "@ivc/bus";
import { signStreamPath } from "@ivc/media";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ssrcToNumber } from "../src/ssrc.js";
import { streamPs, testH264, udpSender } from "./support/device.js";
import { portRange, startTestRelay, type TestRelay } from "./support/relay.js";
import { ffprobe, httpGet } from "./support/viewers.js";

/** The API's part, played here: RTMP devices by code, and the authstream settings. */
const api = {
  devices: new Map<string, { enabled: boolean; accessProtocol: number }>(),
  push: { required: true, secret: "push1" },
  pull: { required: false, secret: "pull1" },
  asked: [] as string[],
};

let t: TestRelay;
let responder: ReturnType<TestRelay["bus"]["reply"]> | undefined;

function answerAuthorize(): ReturnType<TestRelay["bus"]["reply"]> {
  return t.bus.reply(streamAuthorize, { clusterId: t.clusterId }, ({ direction, app, streamId }): StreamAuthorizeReply => {
    api.asked.push(`${direction} ${app}/${streamId}`);
    const device = api.devices.get(streamId);
    const policy = direction === "push" ? api.push : api.pull;
    return {
      exists: device !== undefined || direction === "pull",
      enabled: device?.enabled ?? true,
      ...(device !== undefined ? { deviceId: streamId, accessProtocol: device.accessProtocol } : {}),
      secretRequired: policy.required,
      ...(policy.required ? { secret: policy.secret } : {}),
    };
  });
}

beforeAll(async () => {
  testH264();
  t = await startTestRelay({ RTP_PORTS: portRange(43400), PLAY_TIMEOUT: "8", PULL_AUTH: "true" }, { authCacheMs: 0 });
  responder = answerAuthorize();
});
afterAll(async () => {
  responder?.unsubscribe();
  await t?.stop();
});

let nextDevice = 1;
function rtmpDevice(enabled = true, accessProtocol = 1): string {
  const code = `3402000000132${String(process.pid % 1000).padStart(3, "0")}${String(nextDevice++).padStart(4, "0")}`;
  api.devices.set(code, { enabled, accessProtocol });
  return code;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const rtmpUrl = (code: string, query = "") => `rtmp://127.0.0.1:${t.relay.rtmpPort}/live/${code}${query}`;
const flvUrl = (code: string, query = "") => `http://127.0.0.1:${t.relay.httpPort}/live/${code}.live.flv${query}`;
const pushSign = (code: string, expires = nowSeconds() + 600, secret = api.push.secret) => `?sign=${signStreamPath(`/live/${code}`, secret, expires)}`;

interface Push {
  exited: Promise<{ code: number | null; stderr: string }>;
  stop(): void;
}

function push(url: string, seconds: number): Push {
  const proc = spawn(
    "ffmpeg",
    ["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", String(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-bf", "0", "-f", "flv", url],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) => proc.on("exit", (code) => resolve({ code, stderr })));
  return { exited, stop: () => proc.kill("SIGKILL") };
}

function probeRtmp(url: string): Promise<Array<{ codec_name: string; width?: number; height?: number }>> {
  return new Promise((resolve) => {
    const proc = spawn("ffprobe", ["-v", "error", "-show_streams", "-of", "json", url], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
    proc.on("exit", () => {
      clearTimeout(timer);
      resolve((JSON.parse(out || "{}") as { streams?: Array<{ codec_name: string; width?: number; height?: number }> }).streams ?? []);
    });
  });
}

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function refusedCount(reason: string): Promise<number> {
  const text = await t.metrics.getSingleMetricAsString("ivc_media_rtmp_refused_total");
  const line = text.split("\n").find((l) => l.includes(`reason="${reason}"`));
  return line === undefined ? 0 : Number(line.split(" ").pop());
}

describe("RTMP push", () => {
  it("accepts a signed push of an enabled RTMP device and plays it over HTTP-FLV and RTMP", async () => {
    const code = rtmpDevice();
    const pusher = push(rtmpUrl(code, pushSign(code)), 8);
    await waitFor(() => t.relay.pushed.get(code) !== undefined, 5000);
    const flv = await httpGet(flvUrl(code), 300_000, 4000);
    expect(flv.status).toBe(200);
    expect(ffprobe(flv.body, "rtmp-push.flv")[0]).toMatchObject({ codec_name: "h264", width: 320, height: 240 });
    expect(await probeRtmp(rtmpUrl(code))).toEqual([expect.objectContaining({ codec_name: "h264", width: 320, height: 240 })]);
    expect(api.asked).toContain(`push live/${code}`);
    pusher.stop();
    await pusher.exited;
  });

  it("refuses a push with a wrong secret or an expired signature", async () => {
    const code = rtmpDevice();
    const before = await refusedCount("push signature mismatch");
    const wrong = await push(rtmpUrl(code, pushSign(code, nowSeconds() + 600, "other")), 2).exited;
    expect(wrong.code).not.toBe(0);
    expect(await refusedCount("push signature mismatch")).toBe(before + 1);
    const expired = await push(rtmpUrl(code, pushSign(code, nowSeconds() - 5)), 2).exited;
    expect(expired.code).not.toBe(0);
    expect(await refusedCount("push signature expired")).toBeGreaterThan(0);
    const unsigned = await push(rtmpUrl(code), 2).exited;
    expect(unsigned.code).not.toBe(0);
    expect(t.relay.pushed.get(code)).toBeUndefined();
  });

  it("refuses a push for an unknown, a disabled or a non-RTMP device", async () => {
    const unknown = `34020000001329${String(process.pid % 1_000_000).padStart(6, "0")}`;
    expect((await push(rtmpUrl(unknown, pushSign(unknown)), 2).exited).code).not.toBe(0);
    expect(await refusedCount("unknown stream")).toBeGreaterThan(0);
    const disabled = rtmpDevice(false);
    expect((await push(rtmpUrl(disabled, pushSign(disabled)), 2).exited).code).not.toBe(0);
    expect(await refusedCount("device disabled")).toBeGreaterThan(0);
    const gb = rtmpDevice(true, 2);
    expect((await push(rtmpUrl(gb, pushSign(gb)), 2).exited).code).not.toBe(0);
    expect(await refusedCount("not an RTMP device")).toBeGreaterThan(0);
  });

  it("refuses a second publisher of the same stream, and closes viewers when the publisher leaves", async () => {
    const code = rtmpDevice();
    const first = push(rtmpUrl(code, pushSign(code)), 20);
    await waitFor(() => t.relay.pushed.get(code) !== undefined, 5000);
    const second = await push(rtmpUrl(code, pushSign(code)), 2).exited;
    expect(second.code).not.toBe(0);
    expect(await refusedCount("stream already has a publisher")).toBeGreaterThan(0);
    const started = Date.now();
    const viewer = httpGet(flvUrl(code), 100_000_000, 15_000);
    await new Promise((r) => setTimeout(r, 1500));
    first.stop();
    const watched = await viewer;
    expect(watched.status).toBe(200);
    expect(watched.body.length).toBeGreaterThan(1000);
    // Ended by the relay when the publisher left, long before the 15 s read limit.
    expect(Date.now() - started).toBeLessThan(6000);
    await waitFor(() => t.relay.pushed.get(code) === undefined, 3000);
  });

  it("stops a running push when the API disables or deletes its device; a change that keeps it enabled does not", async () => {
    const [kept, disabled, deleted] = [rtmpDevice(), rtmpDevice(), rtmpDevice()];
    const pushers = [kept, disabled, deleted].map((code) => push(rtmpUrl(code, pushSign(code)), 30));
    try {
      await waitFor(() => [kept, disabled, deleted].every((code) => t.relay.pushed.get(code) !== undefined), 8000);
      const viewer = httpGet(flvUrl(disabled), 100_000_000, 20_000);
      await new Promise((r) => setTimeout(r, 1000));

      const askedBefore = api.asked.filter((a) => a === `push live/${kept}`).length;
      t.bus.publish(deviceChanged, { deviceId: kept, change: "upserted", at: Date.now() });
      api.devices.set(disabled, { enabled: false, accessProtocol: 1 });
      t.bus.publish(deviceChanged, { deviceId: disabled, change: "upserted", at: Date.now() });
      api.devices.delete(deleted);
      t.bus.publish(deviceChanged, { deviceId: deleted, change: "deleted", at: Date.now() });

      await waitFor(() => t.relay.pushed.get(disabled) === undefined && t.relay.pushed.get(deleted) === undefined, 5000);
      const watched = await viewer;
      expect(watched.status).toBe(200);
      expect(watched.ended).toBe(true);
      // The kept device was asked about afresh and still publishes.
      await waitFor(() => api.asked.filter((a) => a === `push live/${kept}`).length > askedBefore, 3000);
      expect(t.relay.pushed.get(kept)).toBeDefined();
      // The disabled device cannot come back while it stays disabled.
      expect((await push(rtmpUrl(disabled, pushSign(disabled)), 2).exited).code).not.toBe(0);
    } finally {
      for (const pusher of pushers) pusher.stop();
      await Promise.all(pushers.map((p) => p.exited));
    }
  });

  it("refuses pushes with the reason 'API unreachable' when nothing answers stream.authorize", async () => {
    const code = rtmpDevice();
    responder?.unsubscribe();
    try {
      expect((await push(rtmpUrl(code, pushSign(code)), 2).exited).code).not.toBe(0);
      expect(await refusedCount("API unreachable")).toBeGreaterThan(0);
    } finally {
      responder = answerAuthorize();
    }
  });
});

describe("pull authentication", () => {
  it("refuses an unsigned HTTP-FLV viewer with 403 naming the reason, and accepts a signed one", async () => {
    const code = rtmpDevice();
    api.pull.required = true;
    const pusher = push(rtmpUrl(code, pushSign(code)), 10);
    try {
      await waitFor(() => t.relay.pushed.get(code) !== undefined, 5000);
      const unsigned = await httpGet(flvUrl(code), 10_000, 3000);
      expect(unsigned.status).toBe(403);
      expect(JSON.parse(unsigned.body.toString())).toMatchObject({ reason: "pull signature missing", streamId: code });
      const wrong = await httpGet(flvUrl(code, `?sign=${signStreamPath(`/live/${code}`, "nope", nowSeconds() + 60)}`), 10_000, 3000);
      expect(JSON.parse(wrong.body.toString())).toMatchObject({ reason: "pull signature mismatch" });
      const expired = await httpGet(flvUrl(code, `?sign=${signStreamPath(`/live/${code}`, api.pull.secret, nowSeconds() - 1)}`), 10_000, 3000);
      expect(expired.status).toBe(403);
      const signed = await httpGet(flvUrl(code, `?sign=${signStreamPath(`/live/${code}`, api.pull.secret, nowSeconds() + 60)}`), 300_000, 4000);
      expect(signed.status).toBe(200);
      expect(ffprobe(signed.body, "signed.flv")[0]).toMatchObject({ codec_name: "h264", width: 320 });
      expect(await probeRtmp(rtmpUrl(code))).toEqual([]);
      const rtmpSigned = await probeRtmp(rtmpUrl(code, `?sign=${signStreamPath(`/live/${code}`, api.pull.secret, nowSeconds() + 60)}`));
      expect(rtmpSigned[0]).toMatchObject({ codec_name: "h264" });
    } finally {
      api.pull.required = false;
      pusher.stop();
      await pusher.exited;
    }
  });
});

describe("RTMP play of a GB stream", () => {
  it("serves a stream that arrives as PS over RTP to an RTMP player", async () => {
    const channelId = `3402000000131${String(process.pid % 1000).padStart(3, "0")}9999`;
    const reply = await t.bus.request(mediaOpen, { clusterId: t.clusterId }, { streamId: channelId, channelId, deviceId: "34020000001320000001", kind: "live", transport: "udp" });
    const udp = udpSender("127.0.0.1", reply.port);
    const device = streamPs(ssrcToNumber(reply.ssrc), udp.send);
    try {
      expect(await probeRtmp(rtmpUrl(channelId))).toEqual([expect.objectContaining({ codec_name: "h264", width: 320, height: 240 })]);
    } finally {
      device.stop();
      udp.close();
    }
  });
});
