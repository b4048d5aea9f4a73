import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePtzCmd, type MansrtspCommand } from "@ivc/gb28181";
import { generateTestPattern, StreamingMediaResponder, VirtualDevice, type StreamInfo } from "@ivc/device-sim";
import { probeVideo } from "./support/ffprobe.js";
import { startGateway, type DescribedDevice, type RunningGateway } from "./support/gateway.js";
import { waitFor } from "./support/wait.js";

// Issue 6 end to end through the platform API: PTZ and presets reach the device with the right
// bytes, the timeline comes from a multi-part RecordInfo answer, and a device-local recording
// plays, pauses, seeks, changes speed and ends.

const now = Math.floor(Date.now() / 1000);
const recordings = [
  { start: now - 3 * 3600, end: now - 2 * 3600 },
  { start: now - 2 * 3600 + 600, end: now - 3600 },
  { start: now - 1800, end: now - 600 },
];

let gw: RunningGateway;
let device: VirtualDevice;
let silent: VirtualDevice;
let responder: StreamingMediaResponder;
let video: string;
let channelId: string;
let silentChannelId: string;
const streams: StreamInfo[] = [];
const controls: MansrtspCommand[] = [];

async function addAndRegister(name: string, extra: Partial<ConstructorParameters<typeof VirtualDevice>[0]>): Promise<{ sim: VirtualDevice; channelId: string }> {
  const regions = await gw.call<Array<{ Value: string }>>("GET", "/ivc/cms/config/getuserregion");
  const added = await gw.call<DescribedDevice>("POST", "/ivc/cms/device/add", {
    Name: name, AccessProtocol: 2, Type: 1, TransportProtocol: 1, Password: "12345678", OrganizationId: "0", ClusterId: regions.Data[0]!.Value,
  });
  expect(added.StatusCode, JSON.stringify(added)).toBe(200);
  const d = (await gw.call<DescribedDevice>("GET", `/ivc/cms/device/describe?Id=${added.Data.Id}`)).Data;
  const sim = new VirtualDevice({
    deviceId: d.Code, password: d.Password, serverHost: d.SipIp, serverPort: d.SipPort, serverId: d.SipId, domain: d.SipDomain,
    localHost: "127.0.0.1", keepaliveInterval: 5, ...extra,
  });
  await sim.start();
  const id = await waitFor(`the channel of ${name}`, async () => {
    const list = await gw.call<Array<{ ChannelId: string; State: number }>>("GET", `/ivc/cms/device/channel?DeviceId=${d.Id}`);
    return list.Data[0]?.State === 1 ? list.Data[0].ChannelId : undefined;
  });
  return { sim, channelId: id };
}

beforeAll(async () => {
  const pattern = await generateTestPattern();
  if (pattern === undefined) throw new Error("ffmpeg is needed to make the test picture (npm test installs it)");
  video = pattern;
  gw = await startGateway({ NO_VIEWER_CLOSE: "5", PTZ_PULSE: "0.3" });
  responder = new StreamingMediaResponder({ video });
  responder.on("streaming", (info) => streams.push(info));
  responder.on("control", (_key, command) => controls.push(command));
  ({ sim: device, channelId } = await addAndRegister("球机", {
    mediaResponder: responder,
    recordings,
    recordPage: 1,
    presets: [{ index: 2, name: "门口" }],
  }));
  ({ sim: silent, channelId: silentChannelId } = await addAndRegister("不应答", { muteCmdTypes: ["RecordInfo", "PresetQuery"] }));
}, 180_000);

afterAll(async () => {
  await device?.stop();
  await silent?.stop();
  await responder?.close();
  await gw?.stop();
  if (video) await rm(dirname(video), { recursive: true, force: true });
}, 60_000);

describe("PTZ and presets through the API", () => {
  it("a move reaches the device as the right PTZCmd, followed by a stop after the pulse", async () => {
    const res = await gw.call("POST", "/ivc/cms/control/ptz", { ChannelId: channelId, Type: "leftup", Speed: 8 });
    expect(res.StatusCode, JSON.stringify(res)).toBe(200);
    await expect.poll(() => device.ptzLog.length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    const [move, stop] = device.ptzLog.slice(-2);
    // A5 0F 01, command 0x0A (up | left), pan and tilt speed 255 (Speed 8 of 8), zoom 0, checksum.
    expect(move!.bytes.slice(0, 7)).toEqual([0xa5, 0x0f, 0x01, 0x0a, 0xff, 0xff, 0x00]);
    expect(decodePtzCmd(move!.ptzCmd).ok).toBe(true);
    expect(stop!.bytes[3]).toBe(0x00);
    expect(stop!.receivedAt - move!.receivedAt).toBeGreaterThanOrEqual(250);
  });

  it("preset set and goto carry their command byte and index; the query returns the device's presets", async () => {
    expect((await gw.call("POST", "/ivc/cms/control/preset/mange", { ChannelId: channelId, Cmd: "set", Index: 3 })).StatusCode).toBe(200);
    expect((await gw.call("POST", "/ivc/cms/control/preset/mange", { ChannelId: channelId, Cmd: "goto", Index: 2 })).StatusCode).toBe(200);
    const presetCmds = device.ptzLog.filter((e) => e.bytes[3] === 0x81 || e.bytes[3] === 0x82).map((e) => [e.bytes[3], e.bytes[5]]);
    expect(presetCmds.slice(-2)).toEqual([[0x81, 3], [0x82, 2]]);
    const presets = await gw.call<Array<{ Index: number; Name: string }>>("POST", "/ivc/cms/control/preset/get", { ChannelId: channelId });
    expect(presets.StatusCode, JSON.stringify(presets)).toBe(200);
    expect(presets.Data.map((p) => p.Index)).toEqual([2, 3]);
    expect(presets.Data[0]!.Name).toBe("门口");
  });
});

describe("device-local recordings through the API", () => {
  it("the timeline merges a multi-part RecordInfo answer into epoch-second segments", async () => {
    const res = await gw.call<Array<{ Begin: number; End: number }>>("POST", "/ivc/cms/control/timeline", { ChannelId: channelId, Start: now - 4 * 3600, End: now });
    expect(res.StatusCode, JSON.stringify(res)).toBe(200);
    expect(res.Data).toEqual(recordings.map((r) => ({ Begin: r.start, End: r.end })));
  });

  it("refuses a reversed range (41611) and a future start (41612)", async () => {
    expect((await gw.call("POST", "/ivc/cms/control/timeline", { ChannelId: channelId, Start: now, End: now - 60 })).StatusCode).toBe(41611);
    expect((await gw.call("POST", "/ivc/cms/control/timeline", { ChannelId: channelId, Start: now + 3600, End: now + 7200 })).StatusCode).toBe(41612);
  });

  it("a device that never answers gives the signaling timeout (41637)", async () => {
    const res = await gw.call("POST", "/ivc/cms/control/timeline", { ChannelId: silentChannelId, Start: now - 3600, End: now });
    expect(res.StatusCode, JSON.stringify(res)).toBe(41637);
  }, 30_000);

  it("the record URL plays from the requested start; pause, seek and scale reach the device; the end closes the session", async () => {
    const start = recordings[2]!.start;
    const res = await gw.call<{ Flv: string }>("POST", "/ivc/cms/control/record", { ChannelId: channelId, Start: start, End: start + 30 });
    expect(res.StatusCode, JSON.stringify(res)).toBe(200);
    const flv = new URL(res.Data.Flv);
    const session = decodeURIComponent(flv.pathname).split("@")[1]!.replace(".live.flv", "");

    const viewer = await fetch(flv);
    expect(viewer.status).toBe(200);
    const reader = viewer.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value!).subarray(0, 3).toString("latin1")).toBe("FLV");
    const playback = streams.find((s) => s.playback !== undefined);
    expect(playback?.playback).toEqual({ start, end: start + 30 });

    const ctl = (body: Record<string, unknown>) => gw.call("POST", "/ivc/cms/control/recordctl", { ChannelId: channelId, Session: session, ...body });
    expect((await ctl({ Action: "pause" })).StatusCode).toBe(200);
    expect((await ctl({ Action: "play" })).StatusCode).toBe(200);
    expect((await ctl({ Action: "play", Pos: 20 })).StatusCode).toBe(200);
    expect((await ctl({ Action: "play", Scale: 2 })).StatusCode).toBe(200);
    expect((await ctl({ Action: "play", Pos: 5, Scale: 2 })).StatusCode).toBe(41630);
    expect(controls.map((c) => [c.method, c.method === "PLAY" ? (c.range ?? c.scale) : undefined])).toEqual([
      ["PAUSE", undefined],
      ["PLAY", "now"],
      ["PLAY", 20],
      ["PLAY", 2],
    ]);

    // Seeked to 20 s of a 30 s range at double speed: the device reaches the end in ~5 s, sends
    // MediaStatus 121, and the viewer's response ends.
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })();
    await expect(Promise.race([ended, new Promise((r) => setTimeout(() => r(false), 20_000))])).resolves.toBe(true);
  }, 60_000);

  it("the recording plays in ffprobe as H.264", () => {
    // A fresh session, so ffprobe sees the stream from its first keyframe.
    return (async () => {
      const start = recordings[1]!.start;
      const res = await gw.call<{ Flv: string }>("POST", "/ivc/cms/control/record", { ChannelId: channelId, Start: start, End: start + 60 });
      expect(await probeVideo(res.Data.Flv)).toMatchObject({ codec_name: "h264", width: "640", height: "480" });
    })();
  }, 40_000);
});

describe("an offline device", () => {
  it("is refused with 41617 before anything is sent", async () => {
    await silent.stop();
    await expect
      .poll(async () => (await gw.call("POST", "/ivc/cms/control/ptz", { ChannelId: silentChannelId, Type: "up" })).StatusCode, { timeout: 10_000 })
      .toBe(41617);
  });
});
