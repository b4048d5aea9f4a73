import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTestPattern, StreamingMediaResponder, VirtualDevice, type StreamInfo } from "@ivc/device-sim";
import { signStreamPath } from "@ivc/media";
import { ffprobe, probeVideo } from "./support/ffprobe.js";
import { startGateway, type DescribedDevice, type RunningGateway } from "./support/gateway.js";
import { waitFor } from "./support/wait.js";

// Issue 5 end to end through the platform API, as a client uses it: device-sim registered →
// control/stream → players on the returned URLs; RTMP devices; pull authentication.

const NO_VIEWER_SECONDS = 3;
let gw: RunningGateway;
let clusterId: string;
let video: string;
const sims: VirtualDevice[] = [];
const responders: StreamingMediaResponder[] = [];

async function addDevice(name: string, fields: Record<string, unknown>): Promise<DescribedDevice> {
  const added = await gw.call<DescribedDevice>("POST", "/ivc/cms/device/add", { Name: name, Type: 1, OrganizationId: "0", ClusterId: clusterId, ...fields });
  expect(added.StatusCode, JSON.stringify(added)).toBe(200);
  return (await gw.call<DescribedDevice>("GET", `/ivc/cms/device/describe?Id=${added.Data.Id}`)).Data;
}

/** A GB camera streaming the test picture, registered with what describe said; resolves its channel id. */
async function gbCamera(name: string, transportProtocol: 1 | 2): Promise<{ id: string; channelId: string; responder: StreamingMediaResponder; streams: StreamInfo[]; stopped: string[] }> {
  const d = await addDevice(name, { AccessProtocol: 2, TransportProtocol: transportProtocol, Password: "12345678" });
  const responder = new StreamingMediaResponder({ video, audio: true });
  const streams: StreamInfo[] = [];
  const stopped: string[] = [];
  responder.on("streaming", (info) => streams.push(info));
  responder.on("stopped", (key) => stopped.push(key));
  responders.push(responder);
  const sim = new VirtualDevice({
    deviceId: d.Code, password: d.Password, serverHost: d.SipIp, serverPort: d.SipPort, serverId: d.SipId, domain: d.SipDomain,
    localHost: "127.0.0.1", keepaliveInterval: 5, transport: transportProtocol === 2 ? "tcp" : "udp", mediaResponder: responder,
  });
  sims.push(sim);
  await sim.start();
  const channelId = await waitFor(() => `${name}'s channel; the device received ${sim.journal.map((j) => j.method).join(", ")}; sip-server log:\n${gw.logs().split("\n").filter((l) => l.includes("sip-server")).slice(-20).join("\n")}`, async () => {
    const list = await gw.call<Array<{ ChannelId: string; State: number }>>("GET", `/ivc/cms/device/channel?DeviceId=${d.Id}`);
    return list.Data[0]?.State === 1 ? list.Data[0].ChannelId : undefined;
  });
  return { id: d.Id, channelId, responder, streams, stopped };
}

async function playUrls(body: Record<string, unknown>): Promise<{ Flv: string; Hls: string }> {
  const res = await gw.call<{ Flv: string; Hls: string }>("POST", "/ivc/cms/control/stream", body);
  expect(res.StatusCode, JSON.stringify(res)).toBe(200);
  return res.Data;
}

beforeAll(async () => {
  const pattern = await generateTestPattern();
  if (pattern === undefined) throw new Error("ffmpeg is needed to make the test picture (npm test installs it)");
  video = pattern;
  gw = await startGateway({ NO_VIEWER_CLOSE: String(NO_VIEWER_SECONDS) });
  clusterId = (await gw.call<Array<{ Value: string }>>("GET", "/ivc/cms/config/getuserregion")).Data[0]!.Value;
}, 180_000);

afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  await Promise.all(responders.map((r) => r.close()));
  await gw?.stop();
  if (video) await rm(dirname(video), { recursive: true, force: true });
}, 60_000);

describe("live view of a GB device through control/stream", () => {
  it("over UDP: FLV plays with the right codec, size and frame rate, a second viewer shares the stream, and no viewer ends it with a BYE", async () => {
    const cam = await gbCamera("UDP摄像头", 1);
    const urls = await playUrls({ ChannelId: cam.channelId });
    expect(urls.Flv).toContain("transport=udp");
    const first = await fetch(urls.Flv);
    expect(first.status).toBe(200);
    const reader = first.body!.getReader();
    await reader.read();
    expect(await probeVideo(urls.Flv)).toEqual({ codec_name: "h264", width: "640", height: "480", r_frame_rate: "25/1" });
    expect(cam.streams).toHaveLength(1);
    await reader.cancel();
    await expect.poll(() => cam.stopped.length, { timeout: (NO_VIEWER_SECONDS + 10) * 1000 }).toBe(1);
  }, 60_000);

  it("HLS: the playlist gets segments that ffprobe reads", async () => {
    const cam = await gbCamera("HLS摄像头", 1);
    const urls = await playUrls({ ChannelId: cam.channelId });
    const segment = await waitFor("an HLS segment", async () => {
      const res = await fetch(urls.Hls).catch(() => undefined);
      if (!res || res.status !== 200) return undefined;
      const line = (await res.text()).split("\n").find((l) => l.trim() !== "" && !l.startsWith("#"));
      return line === undefined ? undefined : new URL(line.trim(), urls.Hls).toString();
    }, 30_000, 500);
    const probe = await ffprobe(["-show_entries", "stream=codec_name", "-select_streams", "v:0", "-of", "csv=p=0", segment]);
    expect(probe.stdout.trim().split("\n")[0]).toBe("h264");
  }, 60_000);

  it.each([["tcp-passive"], ["tcp-active"]] as const)("over %s the same URL plays", async (transport) => {
    const cam = await gbCamera(`TCP摄像头${transport === "tcp-active" ? "A" : "P"}`, 2);
    const urls = await playUrls({ ChannelId: cam.channelId });
    expect(urls.Flv).toContain("transport=tcp-passive");
    const url = urls.Flv.replace("transport=tcp-passive", `transport=${transport}`);
    const probed = await probeVideo(url);
    const plays = await (await fetch(new URL(`/api/plays/${new URL(url).pathname.split("/")[2]!.replace(".live.flv", "")}`, url))).text();
    expect(probed, plays).toMatchObject({ codec_name: "h264", width: "640", height: "480" });
    // The platform listening (tcp-passive) has the device connect; the platform connecting has it listen.
    expect(cam.streams[0]?.plan.kind).toBe(transport === "tcp-passive" ? "tcp-connect" : "tcp-listen");
  }, 60_000);
});

/** Reads a live body until the server ends it; answers the bytes read, or throws after `ms`. */
async function readToEnd(res: Response, ms: number): Promise<number> {
  const reader = res.body!.getReader();
  const timer = setTimeout(() => void reader.cancel(), ms);
  let bytes = 0;
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) bytes += chunk.value.length;
  } finally {
    clearTimeout(timer);
  }
  return bytes;
}

const setStatus = (id: string, status: 2 | 3) => gw.call("PUT", `/ivc/cms/device/updatestatus?Id=${id}`, { Id: id, Status: status });

describe("disabling a device stops its live streams", () => {
  it("a GB camera: the viewer's FLV ends and the device gets a BYE", async () => {
    const cam = await gbCamera("停用摄像头", 1);
    const urls = await playUrls({ ChannelId: cam.channelId });
    const viewer = await fetch(urls.Flv);
    expect(viewer.status).toBe(200);
    const read = readToEnd(viewer, 20_000);
    await expect.poll(() => cam.streams.length, { timeout: 10_000 }).toBe(1);
    expect((await setStatus(cam.id, 3)).StatusCode).toBe(200);
    const started = Date.now();
    expect(await read).toBeGreaterThan(0);
    // Ended by the platform, well before the read gives up.
    expect(Date.now() - started).toBeLessThan(15_000);
    await expect.poll(() => cam.stopped.length, { timeout: 5000 }).toBe(1);
  }, 60_000);

  it("an RTMP device: its running push is cut and a new push is refused while it stays disabled", async () => {
    const d = await addDevice("停用推流设备", { AccessProtocol: 1 });
    const args = ["-v", "error", "-re", "-stream_loop", "-1", "-f", "h264", "-r", "25", "-i", video, "-c", "copy", "-f", "flv", d.PushStreamUrl];
    const push = spawn("ffmpeg", args, { stdio: "ignore" });
    const pushEnded = new Promise<number | null>((resolve) => push.once("exit", (code) => resolve(code)));
    try {
      await expect.poll(async () => (await gw.call<DescribedDevice>("GET", `/ivc/cms/device/describe?Id=${d.Id}`)).Data.Status, { timeout: 15_000 }).toBe(1);
      expect((await setStatus(d.Id, 3)).StatusCode).toBe(200);
      expect(await pushEnded).not.toBe(0);
      const again = spawn("ffmpeg", args, { stdio: "ignore" });
      expect(await new Promise<number | null>((resolve) => again.once("exit", (code) => resolve(code)))).not.toBe(0);
    } finally {
      push.kill("SIGKILL");
    }
  }, 60_000);
});

describe("an RTMP device", () => {
  it("pushed by ffmpeg to its PushStreamUrl, goes online and plays through its FLV URL", async () => {
    const d = await addDevice("推流设备", { AccessProtocol: 1 });
    expect(d.PushStreamUrl).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\/\d{20}/);
    const push = spawn("ffmpeg", ["-v", "error", "-re", "-stream_loop", "-1", "-f", "h264", "-r", "25", "-i", video, "-c", "copy", "-f", "flv", d.PushStreamUrl], { stdio: "ignore" });
    try {
      await expect.poll(async () => (await gw.call<DescribedDevice>("GET", `/ivc/cms/device/describe?Id=${d.Id}`)).Data.Status, { timeout: 15_000 }).toBe(1);
      const urls = await playUrls({ DeviceId: d.Id });
      expect(await probeVideo(urls.Flv)).toMatchObject({ codec_name: "h264", width: "640", height: "480" });
    } finally {
      push.kill("SIGKILL");
    }
  }, 60_000);
});

describe("pull authentication", () => {
  it("refuses an unsigned or expired URL and plays a signed one", async () => {
    const cam = await gbCamera("鉴权摄像头", 1);
    const config = await gw.call<{ Id: string }>("GET", "/ivc/cms/config/authstream");
    const secret = "pull9sec";
    const set = await gw.call("POST", "/ivc/cms/config/authstream", { Id: config.Data.Id, PullState: 1, PullSecret: secret, PullExpired: 10, PushState: 0, PushSecret: "", PushExpired: 0 });
    expect(set.StatusCode, JSON.stringify(set)).toBe(200);
    const urls = await playUrls({ ChannelId: cam.channelId });
    const signed = new URL(urls.Flv);
    expect(signed.searchParams.get("sign")).toMatch(/^\d+-[0-9a-f]{32}$/);

    const unsigned = new URL(signed);
    unsigned.searchParams.delete("sign");
    const refused = await fetch(unsigned);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/signature missing/);

    const streamId = decodeURIComponent(signed.pathname).replace(/^\/live\//, "").replace(/\.live\.flv$/, "");
    const expired = new URL(signed);
    expired.searchParams.set("sign", signStreamPath(`/live/${streamId}`, secret, Math.floor(Date.now() / 1000) - 60));
    const late = await fetch(expired);
    expect(late.status).toBe(403);
    expect(await late.text()).toMatch(/expired/);

    expect(await probeVideo(signed.toString())).toMatchObject({ codec_name: "h264" });
  }, 60_000);
});
