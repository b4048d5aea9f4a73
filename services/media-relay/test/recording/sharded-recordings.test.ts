import { readFileSync, rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { recordingDesired, recordingSegmentStored, sipBye, sipInvite, type DesiredRecording, type StoredSegment } from "@ivc/bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shardOfChannel } from "../../src/shards/placement.js";
import type { RecordingsView } from "../../src/shards/recordings-merge.js";
import { ssrcToNumber } from "../../src/ssrc.js";
import { streamPs, testH264, udpSender } from "../support/device.js";
import { portRange, startTestRelay, type TestRelay } from "../support/relay.js";
import { httpGet } from "../support/viewers.js";

// The recorder in a relay of two shard processes (this test process is shard 0, one forked process
// is shard 1): each shard records the channels it owns, shard 0's /api/recordings lists both, a
// killed shard's channels stay listed as retrying, and its recording resumes when it is back.

const DEVICE = "34020000001320000001";
/** Consecutive channel codes: FNV-1a puts them on alternate shards of two (placement.ts). */
const CHANNELS = ["34020000001310000001", "34020000001310000002"];
const desired: DesiredRecording[] = CHANNELS.map((channelId) => ({ deviceId: DEVICE, channelId, streamId: `${DEVICE}_${channelId}`, planId: "plan-s", transitionDays: 7, expirationDays: 30 }));
const onShard = (shard: number) => desired.find((d) => shardOfChannel(d.channelId, 2) === shard)!;

let t: TestRelay;
let recordingDir: string;
const indexed: StoredSegment[] = [];
const cameras = new Map<string, () => void>();
let subs: Array<{ unsubscribe(): void }> = [];

beforeAll(async () => {
  testH264();
  recordingDir = mkdtempSync(join(tmpdir(), "ivc-sharded-recorder-"));
  t = await startTestRelay(
    { RTP_PORTS: portRange(45300, 40), PLAY_TIMEOUT: "5", RTP_SILENCE_TIMEOUT: "2", NO_VIEWER_CLOSE: "1", RECORDING_DIR: recordingDir, RECORDING_SEGMENT_SECONDS: "1" },
    { recordingPollMs: 300, recordingRetryFirstMs: 300, recordingRetryMaxMs: 1000 },
    2,
  );
  const scope = { clusterId: t.clusterId };
  subs = [
    t.bus.reply(recordingDesired, scope, () => ({ recordings: desired })),
    t.bus.reply(recordingSegmentStored, scope, (segment) => {
      if (!indexed.some((s) => s.objectKey === segment.objectKey)) indexed.push(segment);
      return { indexed: true };
    }),
    // The camera side: whichever shard INVITEs, the device streams to the port it names.
    t.bus.reply(sipInvite, scope, (req) => {
      cameras.get(req.streamId)?.();
      const udp = udpSender("127.0.0.1", req.mediaPort);
      const device = streamPs(ssrcToNumber(req.ssrc), udp.send);
      cameras.set(req.streamId, () => {
        device.stop();
        udp.close();
      });
      return { callId: `call-${req.streamId}` };
    }),
    t.bus.reply(sipBye, scope, () => ({ sent: true })),
  ];
}, 60_000);
afterAll(async () => {
  for (const stop of cameras.values()) stop();
  subs.forEach((s) => s.unsubscribe());
  await t?.stop();
  rmSync(recordingDir, { recursive: true, force: true });
});

async function view(): Promise<RecordingsView> {
  const res = await httpGet(`http://127.0.0.1:${t.relay.httpPort}/api/recordings`, 1_000_000, 3000);
  return JSON.parse(res.body.toString()) as RecordingsView;
}
const stateOf = async (d: DesiredRecording) => (await view()).recordings.find((r) => r.streamId === d.streamId);
const indexedOf = (d: DesiredRecording) => indexed.filter((s) => s.channelId === d.channelId);

describe("recording in a sharded relay", () => {
  it("shard 0's operator view lists every shard's channels with state, last segment and bytes today", async () => {
    // Shard 1 polls the schedule every 10 s (its own default); its first poll may precede this test's answer.
    await expect.poll(async () => (await view()).recordings.filter((r) => r.state === "recording" && r.segmentsStored >= 2).length, { timeout: 25_000, interval: 250 }).toBe(2);
    const v = await view();
    expect(v.shards.map((s) => [s.shard, s.up])).toEqual([[0, true], [1, true]]);
    expect(v.shards[1]!.pid).not.toBe(process.pid);
    for (const shard of [0, 1]) {
      const d = onShard(shard);
      const r = v.recordings.find((x) => x.streamId === d.streamId)!;
      expect(r).toMatchObject({ shard, deviceId: DEVICE, channelId: d.channelId, planId: "plan-s", state: "recording" });
      expect(r.reason).toBeUndefined();
      expect(Date.now() - r.lastSegmentEndMs!).toBeLessThan(5000);
      // Counted when stored, before the index row: at least what was indexed so far.
      expect(r.bytesToday).toBeGreaterThanOrEqual(indexedOf(d).reduce((n, s) => n + s.bytes, 0));
      expect(r.bytesToday).toBeGreaterThan(0);
    }
    // Only the owner records: shard 0 holds its own channel's stream, not shard 1's.
    expect(t.relay.registry.get(onShard(0).streamId)?.state).toBe("playing");
    expect(t.relay.registry.get(onShard(1).streamId)).toBeUndefined();
  }, 40_000);

  it("a killed shard's channels stay listed as retrying with the reason; its recording resumes when it is back, with a gap", async () => {
    const [other, own] = [onShard(1), onShard(0)];
    const pid = (await view()).shards[1]!.pid!;
    const killedAt = Date.now();
    process.kill(pid, "SIGKILL");
    await expect.poll(async () => (await stateOf(other))?.reason ?? "", { timeout: 10_000, interval: 100 }).toMatch(/^relay shard 1 not answering/);
    const during = await view();
    expect(during.shards[1]).toMatchObject({ shard: 1, up: false });
    expect(during.recordings.find((r) => r.streamId === other.streamId)).toMatchObject({ state: "retrying", shard: 1 });
    expect(during.recordings.find((r) => r.streamId === own.streamId)).toMatchObject({ state: "recording", shard: 0 });

    await expect.poll(async () => (await view()).shards[1], { timeout: 20_000, interval: 250 }).toMatchObject({ up: true });
    expect((await view()).shards[1]!.pid).not.toBe(pid);
    await expect.poll(() => indexedOf(other).filter((s) => s.startMs > killedAt).length, { timeout: 20_000, interval: 250 }).toBeGreaterThanOrEqual(2);
    expect(await stateOf(other)).toMatchObject({ state: "recording", shard: 1 });
    const before = indexedOf(other).filter((s) => s.endMs <= killedAt).sort((a, b) => a.endMs - b.endMs).at(-1)!;
    const after = indexedOf(other).filter((s) => s.startMs > killedAt).sort((a, b) => a.startMs - b.startMs)[0]!;
    // The segment open at the kill is lost with the process; the restart and the new INVITE are a gap, not stretched over.
    expect(after.startMs - before.endMs).toBeGreaterThan(500);
    // Shard 0's channel went on without a hole meanwhile.
    const mine = indexedOf(own).sort((a, b) => a.startMs - b.startMs).filter((s) => s.startMs >= before.startMs && s.endMs <= after.endMs);
    for (let i = 1; i < mine.length; i++) expect(mine[i]!.startMs).toBe(mine[i - 1]!.endMs);
    // No index row without its bytes.
    for (const s of indexed) expect(readFileSync(join(recordingDir, "standard", ...s.objectKey.split("/"))).length).toBe(s.bytes);
  }, 60_000);
});
