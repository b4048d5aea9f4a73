import { spawn } from "node:child_process";
import { Agent, get } from "node:http";
import { mediaOpen, mediaTimeline, sipBye, sipInvite } from "@ivc/bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shardOfChannel } from "../src/shards/placement.js";
import { ssrcToNumber } from "../src/ssrc.js";
import { streamPs, testH264, udpSender } from "./support/device.js";
import { portRange, startTestRelay, type TestRelay } from "./support/relay.js";
import { ffprobe, httpGet, wsGet } from "./support/viewers.js";

// A relay of two shard processes: this test process is shard 0 (it listens), one forked process is shard 1.
let t: TestRelay;
const cleanups: Array<() => void> = [];
const DEVICE = "34020000001320000001";
const scope = () => ({ clusterId: t.clusterId });
const base = () => `http://127.0.0.1:${t.relay.httpPort}`;

/** Channel codes placed on `shard`, new for each call. */
let next = 1;
function channelOn(shard: number): string {
  for (;;) {
    const channel = `3402000000131900${String(next++).padStart(4, "0")}`;
    if (shardOfChannel(channel, 2) === shard) return channel;
  }
}

beforeAll(async () => {
  testH264();
  t = await startTestRelay({ RTP_PORTS: portRange(41700, 40), PLAY_TIMEOUT: "5", RTP_SILENCE_TIMEOUT: "2", NO_VIEWER_CLOSE: "2" }, {}, 2);
  // The camera side of signaling: whichever shard asks, the device streams to the port it names.
  const subs = [
    t.bus.reply(sipInvite, scope(), (req) => {
      const udp = udpSender("127.0.0.1", req.mediaPort);
      const device = streamPs(ssrcToNumber(req.ssrc), udp.send);
      cleanups.push(() => device.stop(), udp.close);
      return { callId: `call-${req.streamId}` };
    }),
    t.bus.reply(sipBye, scope(), () => ({ sent: true })),
  ];
  cleanups.push(() => subs.forEach((s) => s.unsubscribe()));
}, 60_000);
afterAll(async () => {
  for (const c of cleanups) c();
  await t?.stop();
});

async function shard1Streams(): Promise<number> {
  const stats = await t.pool!.stats();
  return stats.find((s) => s.shard === 1)?.streams ?? -1;
}

describe("sharded relay", () => {
  it("serves HTTP-FLV of a stream that another process owns, and of its own, on one port", async () => {
    const [own, other] = [channelOn(0), channelOn(1)];
    const [a, b] = await Promise.all([
      httpGet(`${base()}/live/${DEVICE}_${own}.live.flv`, 200_000, 4000),
      httpGet(`${base()}/live/${DEVICE}_${other}.live.flv`, 200_000, 4000),
    ]);
    expect(ffprobe(a.body, "shard0.flv")[0]).toMatchObject({ codec_name: "h264", width: 320 });
    expect(ffprobe(b.body, "shard1.flv")[0]).toMatchObject({ codec_name: "h264", width: 320 });
    // Each stream is held by exactly one process: shard 0 has its own only.
    expect(t.relay.registry.get(`${DEVICE}_${own}`)).toBeDefined();
    expect(t.relay.registry.get(`${DEVICE}_${other}`)).toBeUndefined();
  });

  it("serves WS-FLV from the owning shard", async () => {
    const ws = await wsGet(`${base()}/live/${DEVICE}_${channelOn(1)}.live.flv`.replace("http:", "http:"), 100_000, 4000);
    expect(ws.status).toBe(101);
    expect(ws.body.subarray(0, 3).toString("latin1")).toBe("FLV");
  });

  it("answers signaling's requests for another shard's streams through that shard (media.open, media.timeline)", async () => {
    const channel = channelOn(1);
    const streamId = `${DEVICE}_${channel}`;
    const before = await shard1Streams();
    const reply = await t.bus.request(mediaOpen, scope(), { streamId, channelId: channel, deviceId: DEVICE, kind: "live", transport: "udp" });
    expect(reply.port).toBeGreaterThanOrEqual(41700);
    expect(await shard1Streams()).toBe(before + 1);
    expect(t.relay.registry.get(streamId)).toBeUndefined();
    // media.open carries no device into the plays key: the channel alone names them.
    const timeline = await t.bus.request(mediaTimeline, scope(), { channelId: channel });
    expect(timeline.plays.length).toBeGreaterThan(0);
  });

  it("routes each request of a kept-alive connection to the stream's own shard", async () => {
    const [own, other] = [channelOn(0), channelOn(1)];
    await Promise.all([httpGet(`${base()}/live/${DEVICE}_${own}.live.flv`, 50_000, 3000), httpGet(`${base()}/live/${DEVICE}_${other}.live.flv`, 50_000, 3000)]);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set<number>();
    const plays = (key: string) =>
      new Promise<{ plays: unknown[] }>((resolve, reject) => {
        get(`${base()}/api/plays/${key}`, { agent }, (res) => {
          ports.add(res.socket.localPort!);
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () => resolve(JSON.parse(text) as { plays: unknown[] }));
        }).on("error", reject);
      });
    // First request routes the connection to shard 0; the second names shard 1's channel.
    expect((await plays(`${DEVICE}_${own}`)).plays.length).toBeGreaterThan(0);
    expect((await plays(`${DEVICE}_${other}`)).plays.length).toBeGreaterThan(0);
    expect(ports.size).toBe(1);
    agent.destroy();
  });

  it("plays another shard's stream over RTMP", async () => {
    const url = `rtmp://127.0.0.1:${t.relay.rtmpPort}/live/${DEVICE}_${channelOn(1)}`;
    const probe = spawn("ffprobe", ["-v", "error", "-rw_timeout", "8000000", "-show_streams", "-of", "json", url], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    probe.stdout.on("data", (c: Buffer) => (out += c.toString()));
    await new Promise((resolve) => probe.on("exit", resolve));
    expect((JSON.parse(out) as { streams: unknown[] }).streams).toEqual([expect.objectContaining({ codec_name: "h264", width: 320 })]);
  });

  it("exposes one set of relay metrics summed over the shards, process metrics per shard", async () => {
    await httpGet(`${base()}/live/${DEVICE}_${channelOn(1)}.live.flv`, 50_000, 3000);
    const text = (await httpGet(`${base()}/metrics`, 1_000_000, 2000)).body.toString();
    const bytesIn = text.split("\n").filter((l) => l.startsWith("ivc_media_bytes_in_total"));
    expect(bytesIn).toHaveLength(1);
    expect(Number(bytesIn[0]!.split(" ")[1])).toBeGreaterThan(0);
    expect(text).toMatch(/ivc_process_resident_memory_bytes\{shard="1"[^}]*\} \d+/);
    const health = await httpGet(`${base()}/healthz`, 100_000, 2000);
    expect(health.status).toBe(200);
  });

  it("starts a killed shard again; its channels play again", async () => {
    const [before] = (await t.pool!.stats()).filter((s) => s.shard === 1);
    process.kill(before!.pid, "SIGKILL");
    await expect.poll(async () => (await t.pool!.stats()).find((s) => s.shard === 1)?.pid, { timeout: 20_000, interval: 200 }).not.toBe(before!.pid);
    await expect.poll(async () => (await t.pool!.stats()).length, { timeout: 20_000, interval: 200 }).toBe(1);
    const flv = await httpGet(`${base()}/live/${DEVICE}_${channelOn(1)}.live.flv`, 200_000, 4000);
    expect(ffprobe(flv.body, "restarted.flv")[0]).toMatchObject({ codec_name: "h264" });
  }, 40_000);
});
