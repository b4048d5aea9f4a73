import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayDeviceAdd, gatewayDeviceRemove, gatewayPtz, gatewayRevoked, gatewayStreamStart, gatewayStreamStop, type Bus } from "@ivc/bus";
import { OnvifCamera } from "./support/onvif-camera.js";
import { connectBus, FakePlatform, makeBox, type TestBox } from "./support/platform.js";
import { RtmpRelay } from "./support/rtmp-relay.js";
import { RtspCamera } from "./support/rtsp-camera.js";

/**
 * Many lifecycles of the box's LAN side — attach, live pull+push, the relay or the camera going
 * away mid-stream, PTZ pulses, removal, revocation — each followed by the check that nothing is
 * left behind: no ffmpeg child, no socket or timer more than at the start, every in-memory
 * registry of the agent back to its size.
 */

const CYCLES = 3;

/** The agent's ffmpeg pushes among this process's children (zombies included): the stand-ins' ffmpegs do not report -progress. */
function agentFfmpegPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").includes("-progress")) pids.push(Number(entry));
    } catch {
      // the process ended while being read
    }
  }
  return pids;
}

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Kinds of handles (sockets, timers, processes) of which there are more now than at `start`. */
function grownResources(start: Map<string, number>): string[] {
  return [...resourceCounts()].filter(([kind, n]) => n > (start.get(kind) ?? 0)).map(([kind, n]) => `${kind} ${start.get(kind) ?? 0} -> ${n}`);
}

let work: string;
let bus: Bus;
let closeBus: () => Promise<void>;
let activation: { unsubscribe(): void };
let box: TestBox;
let gwId: string;
let camera: RtspCamera;
let onvif: OnvifCamera;
let startResources: Map<string, number>;
let startRetained: Record<string, number>;
/** Every attempt number the box asked a restart delay for. */
const restartAttempts: number[] = [];
let pushedBytes = 0;
/** Set when a phase has ended its streams (the check below waits a while), cleared by the next start. */
let allStopped = true;
let bytesAfterStop = 0;

/**
 * Waits up to `ms` for `check` to find nothing, then asserts it. Not expect.poll: its own timers
 * would be counted among the handles being checked.
 */
async function settled(check: () => unknown[], ms: number): Promise<void> {
  for (let waited = 0; waited < ms && check().length > 0; waited += 50) await new Promise((r) => setTimeout(r, 50));
  expect(check()).toEqual([]);
}

/** After a phase: no agent ffmpeg, no more handles than at the start, registries at `retained`. */
async function expectNothingLeft(phase: string, extraDevices = 0): Promise<void> {
  allStopped = true;
  await settled(agentFfmpegPids, 3000);
  expect(box.agent.retained(), phase).toEqual({ ...startRetained, devices: (startRetained.devices ?? 0) + extraDevices });
  // Closed sockets and cleared timers are gone at once; 2.5 s is slack for a loaded machine, still
  // short of keep-alive connections (4-5 s) or call timers left to run out.
  await settled(() => grownResources(startResources), 2500);
  expect(bytesAfterStop, `${phase}: UpFlow counted a stopped stream`).toBe(0);
}

async function attach(): Promise<{ onvifId: string; onvifChannel: string; vendorId: string; vendorChannel: string }> {
  const camDevice = await bus.request(gatewayDeviceAdd, { gwId }, { protocolType: 4, ip: "127.0.0.1", port: onvif.port, user: "admin", password: "s3cret" });
  const vendor = await bus.request(gatewayDeviceAdd, { gwId }, { protocolType: 1, ip: "127.0.0.1", port: 1, rtspPort: camera.port, user: "admin", password: "p@ss" });
  expect([camDevice.online, vendor.online]).toEqual([true, true]);
  return { onvifId: camDevice.id, onvifChannel: camDevice.channels[0]?.channelId ?? "", vendorId: vendor.id, vendorChannel: vendor.channels[0]?.channelId ?? "" };
}

async function bytesFlow(): Promise<void> {
  const before = pushedBytes;
  await expect.poll(() => pushedBytes - before, { timeout: 15_000, interval: 100 }).toBeGreaterThan(10_000);
}

async function startStream(channelId: string, relay: RtmpRelay): Promise<void> {
  allStopped = false;
  expect((await bus.request(gatewayStreamStart, { gwId }, { channelId, pushUrl: relay.pushUrl })).started).toBe(true);
}

async function stopStream(channelId: string): Promise<void> {
  expect((await bus.request(gatewayStreamStop, { gwId }, { channelId })).stopped).toBe(true);
}

/** Waits until the push of `channelId` runs in another ffmpeg than `pid` (it was restarted). */
async function restartedFrom(channelId: string, pid: number | undefined): Promise<void> {
  await expect.poll(() => { const now = box.streams.pidOf(channelId); return now !== undefined && now !== pid; }, { timeout: 10_000, interval: 50 }).toBe(true);
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "edge-life-"));
  ({ bus, close: closeBus } = await connectBus("edge-agent-lifecycle-test"));
  const platform = new FakePlatform(bus);
  activation = platform.answerActivation();
  camera = new RtspCamera(work);
  await camera.start();
  onvif = new OnvifCamera("admin", "s3cret", () => camera.url);
  await onvif.start();
  box = await makeBox(bus, platform.issueKey(), undefined, undefined, (attempt) => {
    restartAttempts.push(attempt);
    return 100 * 2 ** Math.min(attempt - 1, 3);
  });
  const meterAdd = box.meter.add.bind(box.meter);
  box.meter.add = (bytes) => {
    pushedBytes += bytes;
    if (allStopped) bytesAfterStop += bytes;
    meterAdd(bytes);
  };
  const state = await box.agent.start();
  if (state.kind !== "activated") throw new Error(`box not activated: ${JSON.stringify(state)}`);
  gwId = state.identity.gwId;
  startResources = resourceCounts();
  startRetained = box.agent.retained();
}, 30_000);

afterAll(async () => {
  await box.agent.close();
  activation.unsubscribe();
  await closeBus();
  await onvif.stop();
  await camera.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("edge-agent lifecycles leave nothing behind", () => {
  it(`survives ${CYCLES} cycles of attach, stream, relay and camera loss, PTZ and removal`, async () => {
    for (let cycle = 1; cycle <= CYCLES; cycle += 1) {
      const at = (phase: string): string => `cycle ${cycle}: ${phase}`;
      const { onvifId, onvifChannel, vendorId, vendorChannel } = await attach();
      await expectNothingLeft(at("attach"), 2);

      // Start on request, stop on request.
      const relay = await RtmpRelay.open();
      await startStream(onvifChannel, relay);
      await bytesFlow();
      await stopStream(onvifChannel);
      await relay.close();
      await expectNothingLeft(at("stream start/stop"), 2);

      // The relay goes away mid-push: ffmpeg is restarted, not duplicated, until the stream is stopped.
      const lost = await RtmpRelay.open();
      await startStream(vendorChannel, lost);
      await bytesFlow();
      const pushing = box.streams.pidOf(vendorChannel);
      await lost.close();
      await restartedFrom(vendorChannel, pushing);
      expect(agentFfmpegPids().length).toBeLessThanOrEqual(1);
      await stopStream(vendorChannel);
      await expectNothingLeft(at("relay gone mid-push"), 2);

      // The camera's RTSP goes away mid-pull and comes back: the push recovers by itself.
      let relayBack = await RtmpRelay.open();
      await startStream(onvifChannel, relayBack);
      await bytesFlow();
      const pulling = box.streams.pidOf(onvifChannel);
      await camera.goAway();
      await restartedFrom(onvifChannel, pulling);
      await relayBack.close();
      await camera.comeBack();
      relayBack = await RtmpRelay.open(relayBack.port);
      await bytesFlow();
      await stopStream(onvifChannel);
      await relayBack.close();
      await expectNothingLeft(at("camera gone mid-pull"), 2);

      // PTZ: a pulse with its own Stop, and an explicit stop.
      onvif.calls.length = 0;
      await bus.request(gatewayPtz, { gwId }, { action: "move", channelId: onvifChannel, pan: 0.5, tilt: 0, zoom: 0, timeoutMs: 200 });
      await expect.poll(() => onvif.calls.map((c) => c.op), { timeout: 3000, interval: 50 }).toEqual(["ContinuousMove", "Stop"]);
      await bus.request(gatewayPtz, { gwId }, { action: "move", channelId: onvifChannel, pan: 0, tilt: 0.5, zoom: 0 });
      await bus.request(gatewayPtz, { gwId }, { action: "stop", channelId: onvifChannel });
      await expectNothingLeft(at("PTZ"), 2);

      // Removal while a stream runs, a pulse is pending and a device probe is in flight; the
      // vendor device goes through the local page's path (DeviceManager), the ONVIF one the platform's.
      const relayForRemoval = await RtmpRelay.open();
      await startStream(vendorChannel, relayForRemoval);
      onvif.calls.length = 0;
      await bus.request(gatewayPtz, { gwId }, { action: "move", channelId: onvifChannel, pan: -0.5, tilt: 0, zoom: 0, timeoutMs: 10_000 });
      // The probe finds the vendor device offline (a change it stores) after both were removed.
      onvif.answerDelayMs = 300;
      await camera.goAway();
      const probing = box.devices.probeAll();
      expect((await bus.request(gatewayDeviceRemove, { gwId }, { id: onvifId })).removed).toBe(true);
      expect(await box.devices.remove(vendorId)).toBe(true);
      await probing;
      onvif.answerDelayMs = 0;
      await camera.comeBack();
      await relayForRemoval.close();
      await expect.poll(() => onvif.calls.map((c) => c.op), { timeout: 3000, interval: 50 }).toEqual(["ContinuousMove", "Stop"]);
      await expectNothingLeft(at("removal"));
    }
  }, 120_000);

  it("restarts a failing push with a bounded back-off, and stops restarting once the stream is stopped or its device removed", async () => {
    const { onvifId, onvifChannel, vendorId, vendorChannel } = await attach();
    // Camera and relay both gone: every ffmpeg run fails at once.
    const nowhere = await RtmpRelay.open();
    await nowhere.close();
    await camera.goAway();
    for (const [channelId, end] of [
      [onvifChannel, () => stopStream(onvifChannel)],
      [vendorChannel, async () => expect(await box.devices.remove(vendorId)).toBe(true)],
    ] as const) {
      restartAttempts.length = 0;
      await startStream(channelId, nowhere);
      await expect.poll(() => restartAttempts.length, { timeout: 10_000, interval: 50 }).toBeGreaterThanOrEqual(4);
      expect(restartAttempts.slice(0, 4)).toEqual([1, 2, 3, 4]);
      await end();
      const attemptsAtEnd = restartAttempts.length;
      await new Promise((r) => setTimeout(r, 1200));
      expect(restartAttempts.length, "restarts after the end").toBe(attemptsAtEnd);
      await settled(agentFfmpegPids, 3000);
    }
    await camera.comeBack();
    expect((await bus.request(gatewayDeviceRemove, { gwId }, { id: onvifId })).removed).toBe(true);
    await expectNothingLeft("back-off");
  }, 40_000);

  it("on revocation stops every push and pending PTZ Stop, heartbeat and subscription", async () => {
    const { onvifId, onvifChannel, vendorId } = await attach();
    const relay = await RtmpRelay.open();
    await startStream(onvifChannel, relay);
    await bytesFlow();
    onvif.calls.length = 0;
    await bus.request(gatewayPtz, { gwId }, { action: "move", channelId: onvifChannel, pan: 0, tilt: -0.5, zoom: 0, timeoutMs: 10_000 });
    bus.publish(gatewayRevoked, { gwId, reason: "gateway deleted", at: Date.now() });
    await expect.poll(() => box.agent.state.kind).toBe("revoked");
    await relay.close();
    await expect.poll(() => onvif.calls.map((c) => c.op), { timeout: 3000, interval: 50 }).toEqual(["ContinuousMove", "Stop"]);
    // The devices stay attached to the box (devices.json) for its next activation.
    await expectNothingLeft("revocation", 2);
    await box.devices.remove(onvifId);
    await box.devices.remove(vendorId);
    await expectNothingLeft("end");
  }, 30_000);
});
