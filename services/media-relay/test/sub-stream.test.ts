import { sipBye, sipInvite } from "@ivc/bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ssrcToNumber } from "../src/ssrc.js";
import { streamPs, testH264, udpSender } from "./support/device.js";
import { portRange, startTestRelay, type TestRelay } from "./support/relay.js";
import { flvTags, httpGet } from "./support/viewers.js";

let t: TestRelay;
const cleanups: Array<() => void> = [];
const invites: Array<{ streamId: string; channelId: string; mediaPort: number; ssrc: string; streamNumber?: number | undefined }> = [];

beforeAll(async () => {
  testH264();
  t = await startTestRelay({ RTP_PORTS: portRange(44100), PLAY_TIMEOUT: "4", RTP_SILENCE_TIMEOUT: "1.5", NO_VIEWER_CLOSE: "1" });
  const scope = { clusterId: t.clusterId };
  // Signaling and camera in one: every INVITE starts a device sending to the leased port.
  const subs = [
    t.bus.reply(sipInvite, scope, (req) => {
      invites.push(req);
      const udp = udpSender("127.0.0.1", req.mediaPort);
      const device = streamPs(ssrcToNumber(req.ssrc), udp.send);
      cleanups.push(() => device.stop(), () => udp.close());
      return { callId: `call-${req.streamId}` };
    }),
    t.bus.reply(sipBye, scope, () => ({ sent: true })),
  ];
  cleanups.push(() => subs.forEach((s) => s.unsubscribe()));
});
afterAll(async () => {
  for (const c of cleanups) c();
  await t?.stop();
});

const CHANNEL = "34020000001310000077";
const STREAM = `34020000001320000077_${CHANNEL}`;
const flvUrl = (query: string) => `http://127.0.0.1:${t.relay.httpPort}/live/${CHANNEL}.live.flv?device=34020000001320000077${query}`;

describe("sub stream (stream_type=2)", () => {
  it("plays main and sub of one channel as two streams, each with its own INVITE, lease and viewers", async () => {
    const [main, sub] = await Promise.all([httpGet(flvUrl(""), 100_000, 3000), httpGet(flvUrl("&stream_type=2"), 100_000, 3000)]);
    for (const flv of [main, sub]) {
      expect(flv.status).toBe(200);
      expect(flvTags(flv.body)[1]).toMatchObject({ type: 9, firstByte: 0x17, second: 0 });
    }
    expect(invites).toHaveLength(2);
    const mainInvite = invites.find((i) => i.streamId === STREAM);
    const subInvite = invites.find((i) => i.streamId === `${STREAM}_sub`);
    expect(mainInvite?.channelId).toBe(CHANNEL);
    expect(mainInvite?.streamNumber).toBeUndefined();
    expect(subInvite).toMatchObject({ channelId: CHANNEL, streamNumber: 1 });
    expect(subInvite?.mediaPort).not.toBe(mainInvite?.mediaPort);
    expect(subInvite?.ssrc).not.toBe(mainInvite?.ssrc);

    const mainSession = t.relay.registry.get(STREAM);
    const subSession = t.relay.registry.get(`${STREAM}_sub`);
    expect(mainSession).toBeDefined();
    expect(subSession).toBeDefined();
    expect(subSession).not.toBe(mainSession);
    expect(subSession?.channelId).toBe(CHANNEL);

    // stream_type=1 is the main stream: a viewer joins it without another INVITE.
    const again = await httpGet(flvUrl("&stream_type=1"), 1, 2000);
    expect(again.status).toBe(200);
    expect(invites).toHaveLength(2);

    const plays = await httpGet(`http://127.0.0.1:${t.relay.httpPort}/api/plays/${STREAM}`, 100_000, 1000);
    const streamIds = (JSON.parse(plays.body.toString()) as { plays: Array<{ streamId: string }> }).plays.map((p) => p.streamId);
    expect(streamIds.sort()).toEqual([STREAM, `${STREAM}_sub`]);
  });

  it("serves the sub stream's HLS playlist with segment names that carry stream_type=2 back to it", async () => {
    const channel = "34020000001310000079";
    const base = `http://127.0.0.1:${t.relay.httpPort}/hls/${channel}`;
    const playlist = await httpGet(`${base}/index.m3u8?stream_type=2`, 100_000, 4000);
    expect(playlist.status).toBe(200);
    const segments = playlist.body.toString().split("\n").filter((line) => line !== "" && !line.startsWith("#"));
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((line) => /^seg\d+\.ts\?stream_type=2$/.test(line))).toBe(true);
    expect(invites.find((i) => i.channelId === channel)).toMatchObject({ streamId: `${channel}_sub`, streamNumber: 1 });
    expect((await httpGet(`${base}/${segments[0]!}`, 10_000_000, 2000)).status).toBe(200);
    // Without the query the segment names the main stream, which is not running.
    expect((await httpGet(`${base}/${segments[0]!.split("?")[0]!}`, 10_000, 1000)).status).toBe(404);
  });

  it("refuses a stream_type other than 1 or 2 with 400 and sends no INVITE", async () => {
    const before = invites.length;
    const res = await httpGet(`http://127.0.0.1:${t.relay.httpPort}/live/34020000001310000078.live.flv?stream_type=3`, 10_000, 1000);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString())).toMatchObject({ error: "stream_type must be 1 (main) or 2 (sub)" });
    expect(invites).toHaveLength(before);
  });
});
