import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { presetControl, presetQuery, ptzActions, ptzControl, recordQuery } from "@ivc/bus";
import type { VirtualDevice } from "@ivc/device-sim";
import { getHeader } from "@ivc/sip";
import { freePort } from "../../../test/support/ports.js";
import { deviceCode, remoteCode, sleep, startHarness, type Harness, type RegisteredDeviceOptions } from "./support/harness.js";
import { expectedHex, expectedPtzHex } from "./support/ptz-bytes.js";

const PTZ_PULSE_MS = 300;
const LIST_TIMEOUT_MS = 800;

let h: Harness;
async function simDevice(options: RegisteredDeviceOptions = {}): Promise<{ device: VirtualDevice; channelId: string }> {
  const device = await h.registeredDevice(options);
  return { device, channelId: device.channels[0]!.id };
}

const target = (channelId: string) => ({ channelId });
const cluster = () => ({ clusterId: h.clusterId });

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const STOP = expectedHex(0, 0, 0, 0);

beforeAll(async () => {
  h = await startHarness(
    { SIP_PORT: await freePort(), PTZ_PULSE: PTZ_PULSE_MS, DEVICE_TIME_ZONE: "+08:00" },
    { controlResultWaitMs: 200, listAnswerTimeoutMs: LIST_TIMEOUT_MS, transactionTimers: { t1: 50 } },
  );
});

afterAll(async () => {
  await h?.close();
});

describe("sip.ptz: DeviceControl with PTZCmd (GB/T 28181-2016 A.3)", () => {
  it("reaches the device with the standard's bytes for every action, each followed by a stop after the pulse", async () => {
    const { device, channelId } = await simDevice({ deviceControlResult: "OK", channels: 2 });
    const nvrChannel = device.channels[1]!.id;
    expect(nvrChannel).not.toBe(channelId);
    for (const [i, action] of ptzActions.entries()) {
      const speed = (i % 8) + 1;
      const before = device.ptzLog.length;
      expect(await h.bus.request(ptzControl, cluster(), { ...target(nvrChannel), action, speed, pulseMs: 100 })).toEqual({ result: "OK" });
      await waitFor(() => device.ptzLog.length >= before + 2, 2000, `the stop after ${action}`);
      const [move, stop] = device.ptzLog.slice(before);
      expect(move).toMatchObject({ channelId: nvrChannel, ptzCmd: expectedPtzHex(action, speed) });
      expect(move!.bytes).toEqual([...Buffer.from(expectedPtzHex(action, speed), "hex")]);
      expect(stop).toMatchObject({ channelId: nvrChannel, ptzCmd: STOP, command: { type: "stop" } });
      // The pulse is armed when the device answered the move, so a slow path cannot shorten it; the
      // loose bound only tells a held stop from one sent at once (timers may fire a loop turn early).
      expect(stop!.receivedAt - move!.receivedAt).toBeGreaterThanOrEqual(50);
    }
    // The MESSAGE goes to the NVR; the body addresses the channel.
    const control = device.journal.find((e) => e.manscdp?.ok && e.manscdp.cmdType === "DeviceControl");
    expect(control?.request.uri).toMatch(new RegExp(`^sip:${device.deviceId}@`));
    expect(getHeader(control!.request, "Content-Type")).toBe("Application/MANSCDP+xml");
  });

  it("a new move replaces the pending stop; without pulseMs the pulse is PTZ_PULSE", async () => {
    const { device, channelId } = await simDevice({ deviceControlResult: "OK" });
    await h.bus.request(ptzControl, cluster(), { ...target(channelId), action: "left", speed: 4 });
    await sleep(150);
    await h.bus.request(ptzControl, cluster(), { ...target(channelId), action: "right", speed: 4 });
    const secondAt = device.ptzLog[device.ptzLog.length - 1]!.receivedAt;
    await waitFor(() => device.ptzLog.some((e) => e.ptzCmd === STOP), 2000, "the stop");
    await sleep(PTZ_PULSE_MS);
    const stops = device.ptzLog.filter((e) => e.ptzCmd === STOP);
    expect(stops).toHaveLength(1);
    expect(stops[0]!.receivedAt - secondAt).toBeGreaterThanOrEqual(PTZ_PULSE_MS / 2);
    expect(device.ptzLog.map((e) => e.command?.type)).toEqual(["move", "move", "stop"]);
  });

  it("takes the 200 OK as success from a device that sends no Result", async () => {
    const { device, channelId } = await simDevice();
    expect(await h.bus.request(ptzControl, cluster(), { ...target(channelId), action: "zoomin", speed: 8 })).toEqual({ result: "OK" });
    expect(device.ptzLog[0]?.ptzCmd).toBe(expectedPtzHex("zoomin", 8));
  });

  it("answers device_refused when the device's Result is ERROR", async () => {
    const { channelId } = await simDevice({ deviceControlResult: "ERROR" });
    const failure = await h.bus.request(ptzControl, cluster(), { ...target(channelId), action: "up", speed: 1 }).catch((e: unknown) => e);
    expect(remoteCode(failure)).toBe("device_refused");
  });

  it("answers sip_timeout when the device never answers the MESSAGE", async () => {
    const { channelId } = await simDevice({ dropCmdTypes: ["DeviceControl"] });
    const failure = await h.bus.request(ptzControl, cluster(), { ...target(channelId), action: "up", speed: 1 }, { timeoutMs: 8000 }).catch((e: unknown) => e);
    expect(remoteCode(failure)).toBe("sip_timeout");
  });

  it("answers device_offline for a channel no registered device reports", async () => {
    const failure = await h.bus.request(ptzControl, cluster(), { ...target(deviceCode(h.domain, "132", 9_999_123)), action: "up", speed: 1 }).catch((e: unknown) => e);
    expect(remoteCode(failure)).toBe("device_offline");
  });
});

describe("sip.preset: preset set/call/delete (A.3.4)", () => {
  it("sends 0x81/0x82/0x83 with the index in byte 6 and the device's table follows", async () => {
    const { device, channelId } = await simDevice({ deviceControlResult: "OK" });
    for (const command of ["set", "goto", "del"] as const) {
      expect(await h.bus.request(presetControl, cluster(), { ...target(channelId), command, index: 7 })).toEqual({ result: "OK" });
    }
    expect(device.ptzLog.map((e) => e.ptzCmd)).toEqual([expectedHex(0x81, 0, 7, 0), expectedHex(0x82, 0, 7, 0), expectedHex(0x83, 0, 7, 0)]);
    expect(device.presetTable.list(channelId)).toEqual([]);
    // Calling a preset that no longer exists: the device answers ERROR.
    const failure = await h.bus.request(presetControl, cluster(), { ...target(channelId), command: "goto", index: 7 }).catch((e: unknown) => e);
    expect(remoteCode(failure)).toBe("device_refused");
  });

  it("stops a running move before the preset command", async () => {
    const { device, channelId } = await simDevice({ deviceControlResult: "OK" });
    await h.bus.request(ptzControl, cluster(), { ...target(channelId), action: "up", speed: 2, pulseMs: 5000 });
    await h.bus.request(presetControl, cluster(), { ...target(channelId), command: "set", index: 1 });
    expect(device.ptzLog.map((e) => e.command?.type)).toEqual(["move", "stop", "preset"]);
  });
});

describe("sip.preset.query: PresetQuery with a multi-part answer", () => {
  it("assembles every part into the device's presets", async () => {
    const presets = Array.from({ length: 9 }, (_, i) => ({ index: i + 1, name: `预置点${i + 1}` }));
    const { device, channelId } = await simDevice({ presets, presetPage: 2 });
    const answered = new Promise<number[]>((resolve) => device.on("queryAnswered", (q, statuses) => q.cmdType === "PresetQuery" && resolve(statuses)));
    const reply = await h.bus.request(presetQuery, cluster(), target(channelId));
    expect(reply).toEqual({ presets, partial: false });
    expect(await answered).toHaveLength(5);
  });

  it("answers sip_timeout when the device sends nothing after its 200 OK", async () => {
    const { channelId } = await simDevice({ muteCmdTypes: ["PresetQuery"] });
    const startedAt = Date.now();
    const failure = await h.bus.request(presetQuery, cluster(), target(channelId)).catch((e: unknown) => e);
    expect(remoteCode(failure)).toBe("sip_timeout");
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(LIST_TIMEOUT_MS - 50);
  });
});

describe("sip.record.query: RecordInfo in the device's local time", () => {
  // 2023-11-15 00:00:00 at +08:00.
  const DAY = 1_699_977_600;
  const recordings = [
    { start: DAY - 7200, end: DAY - 3600 },
    ...Array.from({ length: 5 }, (_, i) => ({ start: DAY + i * 3600, end: DAY + i * 3600 + 1800 })),
    { start: DAY + 86_400, end: DAY + 90_000 },
  ];

  it("queries local times, assembles a multi-part answer and converts the items to epoch seconds", async () => {
    const { device, channelId } = await simDevice({ recordings, recordPage: 2, timeZone: "+08:00" });
    const reply = await h.bus.request(recordQuery, cluster(), { ...target(channelId), start: DAY, end: DAY + 86_399 });
    expect(reply.partial).toBe(false);
    expect(reply.sumNum).toBe(5);
    expect(reply.items.map(({ start, end }) => ({ start, end }))).toEqual(recordings.slice(1, 6));
    const query = device.journal.find((e) => e.manscdp?.ok && e.manscdp.cmdType === "RecordInfo");
    expect(query?.manscdp).toMatchObject({ deviceId: channelId, startTime: "2023-11-15T00:00:00", endTime: "2023-11-15T23:59:59", type: "all" });
  });

  it("returns SumNum 0 for a range without recordings", async () => {
    const { channelId } = await simDevice({ recordings });
    expect(await h.bus.request(recordQuery, cluster(), { ...target(channelId), start: DAY + 30 * 86_400, end: DAY + 31 * 86_400 })).toEqual({
      sumNum: 0,
      partial: false,
      items: [],
    });
  });

  it("answers sip_timeout when no part arrives, and bad_request for start after end", async () => {
    const { channelId } = await simDevice({ recordings, muteCmdTypes: ["RecordInfo"] });
    const silent = await h.bus.request(recordQuery, cluster(), { ...target(channelId), start: DAY, end: DAY + 100 }).catch((e: unknown) => e);
    expect(remoteCode(silent)).toBe("sip_timeout");
    const reversed = await h.bus.request(recordQuery, cluster(), { ...target(channelId), start: DAY + 100, end: DAY }).catch((e: unknown) => e);
    expect(remoteCode(reversed)).toBe("bad_request");
  });

  it("answers device_offline once the device unregistered", async () => {
    const { device, channelId } = await simDevice({ recordings });
    await device.stop();
    await h.waitForEvent("device.offline", device.deviceId);
    const failure = await h.bus.request(recordQuery, cluster(), { ...target(channelId), start: DAY, end: DAY + 100 }).catch((e: unknown) => e);
    expect(remoteCode(failure)).toBe("device_offline");
  });
});
