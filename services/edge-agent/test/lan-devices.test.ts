import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  gatewayDeviceAdd,
  gatewayDeviceList,
  gatewayDeviceRemove,
  gatewayDevices,
  gatewayPtz,
  gatewayStreamStart,
  gatewayStreamStop,
  isBusError,
  type Bus,
} from "@ivc/bus";
import { discoverOnvif } from "../src/onvif/ws-discovery.js";
import { probeRtsp } from "../src/rtsp-probe.js";
import { OnvifCamera, startDiscoveryResponder } from "./support/onvif-camera.js";
import { connectBus, FakePlatform, makeBox, type TestBox } from "./support/platform.js";
import { RtspCamera } from "./support/rtsp-camera.js";

/** A TCP listener standing in for the media relay's ingest: it keeps every byte ffmpeg pushes. */
class FlvSink {
  private server: Server | undefined;
  readonly chunks: Buffer[] = [];
  port = 0;
  async start(): Promise<void> {
    this.server = createServer((socket) => socket.on("data", (c) => this.chunks.push(c)).on("error", () => undefined));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }
  get bytes(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

let work: string;
let bus: Bus;
let closeBus: () => Promise<void>;
let activation: { unsubscribe(): void };
let platform: FakePlatform;
let box: TestBox;
let gwId: string;
let camera: RtspCamera;
let onvif: OnvifCamera;
let sink: FlvSink;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "edge-lan-"));
  ({ bus, close: closeBus } = await connectBus("edge-agent-lan-test"));
  platform = new FakePlatform(bus);
  activation = platform.answerActivation();
  camera = new RtspCamera(work);
  await camera.start();
  onvif = new OnvifCamera("admin", "s3cret", () => camera.url);
  await onvif.start();
  sink = new FlvSink();
  await sink.start();
  box = await makeBox(bus, platform.issueKey());
  const state = await box.agent.start();
  if (state.kind !== "activated") throw new Error(`box not activated: ${JSON.stringify(state)}`);
  gwId = state.identity.gwId;
}, 30_000);

afterAll(async () => {
  await box.agent.close();
  activation.unsubscribe();
  await closeBus();
  await sink.stop();
  await onvif.stop();
  await camera.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("LAN devices through the box", () => {
  it("attaches an ONVIF camera: device information, one channel per video source, stream URI, PTZ", async () => {
    const announced = new Promise<string[]>((resolve) => {
      const sub = bus.subscribe(gatewayDevices, (e) => {
        if (e.gwId !== gwId || e.devices.length === 0) return;
        sub.unsubscribe();
        resolve(platform.signedByBox(gatewayDevices, e) ? e.devices.map((d) => d.id) : ["report not signed by the box"]);
      });
    });
    const device = await bus.request(gatewayDeviceAdd, { gwId }, { protocolType: 4, ip: "127.0.0.1", port: onvif.port, user: "admin", password: "s3cret" });
    expect(device).toMatchObject({ protocolType: 4, online: true, manufacturer: "TestCam & Co", model: "TC-1", firmware: "1.0.7" });
    expect(device.channels).toEqual([{ channelId: `${device.id}-1`, name: "mainStream", online: true, profileToken: "Profile_1", ptz: true }]);
    expect(JSON.stringify(device)).not.toContain("s3cret");
    expect(await announced).toContain(device.id);
    expect(box.registry.get(device.id)?.channels[0]?.rtspUrl).toBe(camera.url);
    const { devices } = await bus.request(gatewayDeviceList, { gwId }, {});
    expect(devices.map((d) => d.id)).toContain(device.id);
  });

  it("keeps an ONVIF camera offline when the digest password is wrong", async () => {
    const device = await bus.request(gatewayDeviceAdd, { gwId }, { protocolType: 4, ip: "127.0.0.1", port: onvif.port, user: "admin", password: "wrong" });
    expect(device).toMatchObject({ online: false, channels: [] });
    expect((await bus.request(gatewayDeviceRemove, { gwId }, { id: device.id })).removed).toBe(true);
  });

  it("refuses a protocol outside the G5 dictionary with gateway_protocol_invalid", async () => {
    const err = await bus.request(gatewayDeviceAdd, { gwId }, { protocolType: 7, ip: "127.0.0.1", port: 80, user: "", password: "" }).catch((e: unknown) => e);
    expect(isBusError(err, "remote") && err.remoteCode).toBe("gateway_protocol_invalid");
  });

  it("steers PTZ and presets through ONVIF", async () => {
    const channel = box.registry.list().find((d) => d.onvif)?.channels[0];
    if (!channel) throw new Error("no ONVIF channel");
    const channelId = channel.channelId;
    await bus.request(gatewayPtz, { gwId }, { action: "move", channelId, pan: 0.5, tilt: -0.25, zoom: 0, timeoutMs: 1500 });
    await bus.request(gatewayPtz, { gwId }, { action: "stop", channelId });
    const set = await bus.request(gatewayPtz, { gwId }, { action: "preset-set", channelId, presetName: "till" });
    expect(set.presetToken).toBe("2");
    const list = await bus.request(gatewayPtz, { gwId }, { action: "preset-list", channelId });
    expect(list.presets).toEqual([{ token: "1", name: "door" }, { token: "2", name: "till" }]);
    await bus.request(gatewayPtz, { gwId }, { action: "preset-goto", channelId, presetToken: "2" });
    await bus.request(gatewayPtz, { gwId }, { action: "preset-remove", channelId, presetToken: "2" });
    const missing = await bus.request(gatewayPtz, { gwId }, { action: "preset-goto", channelId, presetToken: "2" }).catch((e: unknown) => e);
    expect(isBusError(missing, "remote") && missing.message).toMatch(/No such PTZ preset/);
    expect(onvif.calls.find((c) => c.op === "ContinuousMove")).toEqual({ op: "ContinuousMove", profile: "Profile_1", args: { x: "0.5", y: "-0.25", zoom: "0", timeout: "PT1.5S" } });
    expect(onvif.calls.some((c) => c.op === "Stop" && c.profile === "Profile_1")).toBe(true);
  });

  it("ends a timed move (a pulse) with its own Stop, and a newer move on the channel postpones it", async () => {
    const channelId = box.registry.list().find((d) => d.onvif)?.channels[0]?.channelId ?? "";
    onvif.calls.length = 0;
    await bus.request(gatewayPtz, { gwId }, { action: "move", channelId, pan: 0, tilt: 0.5, zoom: 0, timeoutMs: 300 });
    await new Promise((r) => setTimeout(r, 150));
    await bus.request(gatewayPtz, { gwId }, { action: "move", channelId, pan: 0, tilt: 0, zoom: -0.25, timeoutMs: 300 });
    await new Promise((r) => setTimeout(r, 200));
    expect(onvif.calls.map((c) => c.op)).toEqual(["ContinuousMove", "ContinuousMove"]);
    await expect.poll(() => onvif.calls.map((c) => c.op), { timeout: 2000, interval: 50 }).toEqual(["ContinuousMove", "ContinuousMove", "Stop"]);
    expect(onvif.calls[1]?.args).toMatchObject({ zoom: "-0.25", timeout: "PT0.3S" });
  });

  it("pulls the camera's RTSP and pushes FLV that ffprobe reads as H.264, counting UpFlow", async () => {
    const channelId = box.registry.list().find((d) => d.onvif)?.channels[0]?.channelId ?? "";
    box.meter.takeKbps();
    const push = `tcp://127.0.0.1:${sink.port}`;
    expect((await bus.request(gatewayStreamStart, { gwId }, { channelId, pushUrl: push })).started).toBe(true);
    expect((await bus.request(gatewayStreamStart, { gwId }, { channelId, pushUrl: push })).started).toBe(false);
    await expect.poll(() => sink.bytes, { timeout: 15_000, interval: 200 }).toBeGreaterThan(40_000);
    expect((await bus.request(gatewayStreamStop, { gwId }, { channelId })).stopped).toBe(true);
    const file = join(work, "pushed.flv");
    writeFileSync(file, Buffer.concat(sink.chunks));
    const probe = JSON.parse(execFileSync("/usr/bin/ffprobe", ["-v", "error", "-show_entries", "format=format_name:stream=codec_name,width,height", "-of", "json", file]).toString()) as {
      format: { format_name: string };
      streams: Array<{ codec_name: string; width: number; height: number }>;
    };
    expect(probe.format.format_name).toBe("flv");
    expect(probe.streams[0]).toMatchObject({ codec_name: "h264", width: 320, height: 240 });
    expect(box.meter.takeKbps()).toBeGreaterThan(0);
  }, 30_000);

  it("restarts a crashed ffmpeg", async () => {
    const channelId = box.registry.list().find((d) => d.onvif)?.channels[0]?.channelId ?? "";
    box.streams.start(channelId, camera.url, `tcp://127.0.0.1:${sink.port}`);
    const first = box.streams.pidOf(channelId);
    expect(first).toBeDefined();
    process.kill(first ?? 0, "SIGKILL");
    await expect.poll(() => box.streams.pidOf(channelId) !== first, { timeout: 5000 }).toBe(true);
    expect(box.streams.pidOf(channelId)).toBeDefined();
    await box.streams.stop(channelId);
  }, 15_000);

  it("attaches a Hikvision device by its RTSP layout and probes it with RTSP OPTIONS", async () => {
    const device = await bus.request(gatewayDeviceAdd, { gwId }, { protocolType: 1, type: 2, ip: "127.0.0.1", port: 1, rtspPort: camera.port, user: "admin", password: "p@ss", channelCount: 2 });
    expect(device).toMatchObject({ protocolType: 1, type: 2, online: true });
    expect(device.channels.map((c) => c.channelId)).toEqual([`${device.id}-1`, `${device.id}-2`]);
    expect(box.registry.get(device.id)?.channels[1]?.rtspUrl).toBe(`rtsp://127.0.0.1:${camera.port}/Streaming/Channels/201`);
    expect(await probeRtsp("127.0.0.1", camera.port, 2000)).toBe(true);
    expect(await probeRtsp("127.0.0.1", onvif.port, 2000)).toBe(false);
    await bus.request(gatewayDeviceRemove, { gwId }, { id: device.id });
  });

  it("marks a device offline when its RTSP port stops answering, and announces it", async () => {
    const closed = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => {
        const port = (server.address() as AddressInfo).port;
        server.close(() => resolve(port));
      });
    });
    const device = await bus.request(gatewayDeviceAdd, { gwId }, { protocolType: 3, ip: "127.0.0.1", port: 1, rtspPort: camera.port, user: "", password: "" });
    expect(device.online).toBe(true);
    const stored = box.registry.get(device.id);
    if (!stored) throw new Error("not stored");
    await box.registry.put({ ...stored, rtspPort: closed });
    const announced = new Promise<boolean | undefined>((resolve) => {
      const sub = bus.subscribe(gatewayDevices, (e) => {
        if (e.gwId !== gwId) return;
        sub.unsubscribe();
        resolve(e.devices.find((d) => d.id === device.id)?.online);
      });
    });
    await box.devices.probeAll();
    expect(box.registry.get(device.id)).toMatchObject({ online: false, channels: [{ online: false }] });
    expect(await announced).toBe(false);
    await bus.request(gatewayDeviceRemove, { gwId }, { id: device.id });
  });

  it("finds the camera with a WS-Discovery probe, ignoring answers to other probes", async () => {
    const responder = await startDiscoveryResponder(`http://127.0.0.1:${onvif.port}/onvif/device_service`);
    try {
      const found = await discoverOnvif(responder.target, 500);
      expect(found).toEqual([
        {
          endpoint: "urn:uuid:cam-0001",
          xaddrs: [`http://127.0.0.1:${onvif.port}/onvif/device_service`],
          scopes: ["onvif://www.onvif.org/name/TestCam", "onvif://www.onvif.org/location/store"],
          from: "127.0.0.1",
        },
      ]);
    } finally {
      responder.close();
    }
  });
});
