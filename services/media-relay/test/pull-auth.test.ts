import { networkInterfaces } from "node:os";
import { sipBye, sipInvite, streamAuthorize, type StreamAuthorizeReply } from "@ivc/bus";
import { signStreamPath, splitDeviceChannel } from "@ivc/media";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ssrcToNumber } from "../src/ssrc.js";
import { streamPs, testH264, udpSender } from "./support/device.js";
import { portRange, startTestRelay, type TestRelay } from "./support/relay.js";
import { ffprobe, httpGet } from "./support/viewers.js";

// Two accounts whose devices report the same factory-default channel code, pull authentication
// on at the relay: account A signs its pulls (PullState 1), account B does not.

/** The factory default of many Hikvision and Dahua cameras. */
const CHANNEL = "34020000001310000001";
const DEVICE_A = "34020000001320000101";
const DEVICE_B = "34020000001320000202";
const WINDOW_SECONDS = 600;

const accounts = { A: { required: true, secret: "pullA" }, B: { required: false, secret: "" } } as const;
const devices = new Map<string, { account: keyof typeof accounts; channels: string[] }>([
  [DEVICE_A, { account: "A", channels: [CHANNEL] }],
  [DEVICE_B, { account: "B", channels: [CHANNEL] }],
]);
const UNKNOWN: StreamAuthorizeReply = { exists: false, enabled: false, secretRequired: false };

/** The API's answer (services/api stream-authorize, tested there): the exact channel of the exact device, or the one device reporting a bare code. */
function authorizePull(streamId: string, named: string | undefined): StreamAuthorizeReply {
  const base = streamId.includes("@") ? streamId.split("@")[0]! : streamId.replace(/_sub$/, "");
  const { deviceId, channelId } = splitDeviceChannel(base);
  if (deviceId !== undefined && named !== undefined && deviceId !== named) return UNKNOWN;
  const device = deviceId ?? named;
  const owners = [...devices].filter(([code, d]) => (device === undefined || code === device) && d.channels.includes(channelId));
  if (owners.length === 0) return UNKNOWN;
  if (owners.length > 1) return { exists: true, enabled: false, secretRequired: false, ambiguous: true };
  const [code, owner] = owners[0]!;
  const policy = accounts[owner.account];
  return { exists: true, enabled: true, deviceId: code, accessProtocol: 2, secretRequired: policy.required, ...(policy.required ? { secret: policy.secret, signWindowSeconds: WINDOW_SECONDS } : {}) };
}

let t: TestRelay;
const invites: Array<{ streamId: string; channelId: string; deviceId?: string | undefined; ssrc: string }> = [];
const cleanups: Array<() => void> = [];

function answerSignaling(relay: TestRelay): void {
  const scope = { clusterId: relay.clusterId };
  const subs = [
    relay.bus.reply(streamAuthorize, scope, ({ direction, streamId, deviceId }) => (direction === "pull" ? authorizePull(streamId, deviceId) : UNKNOWN)),
    // Signaling and the cameras in one: each INVITE starts the named device sending to the leased port.
    relay.bus.reply(sipInvite, scope, (req) => {
      invites.push(req);
      const udp = udpSender("127.0.0.1", req.mediaPort);
      const camera = streamPs(ssrcToNumber(req.ssrc), udp.send);
      cleanups.push(() => camera.stop(), () => udp.close());
      return { callId: `call-${req.streamId}` };
    }),
    relay.bus.reply(sipBye, scope, () => ({ sent: true })),
  ];
  cleanups.push(() => subs.forEach((s) => s.unsubscribe()));
}

/** This machine's first non-loopback IPv4: a peer there is not loopback. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i !== undefined && i.family === "IPv4" && !i.internal)?.address;

beforeAll(async () => {
  testH264();
  t = await startTestRelay({ RTP_PORTS: portRange(44300), PLAY_TIMEOUT: "5", NO_VIEWER_CLOSE: "2", PULL_AUTH: "true", MEDIA_BIND: "0.0.0.0", MEDIA_HOST: "127.0.0.1" }, { authCacheMs: 0 });
  answerSignaling(t);
});
afterAll(async () => {
  for (const c of cleanups) c();
  await t?.stop();
});

const base = () => `http://127.0.0.1:${t.relay.httpPort}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const signA = (streamId: string, expires = nowSeconds() + WINDOW_SECONDS) => `sign=${signStreamPath(`/live/${streamId}`, accounts.A.secret, expires)}`;
const reason = (body: Buffer) => (JSON.parse(body.toString()) as { reason?: string; error?: string }).reason;

describe("two devices of two accounts reporting the same channel code", () => {
  it("plays each device's own channel as its own stream with its own INVITE; neither URL serves the other's camera", async () => {
    const bStream = `${DEVICE_B}_${CHANNEL}`;
    const aStream = `${DEVICE_A}_${CHANNEL}`;
    const b = await httpGet(`${base()}/live/${bStream}.live.flv`, 100_000, 3000);
    expect(b.status).toBe(200);
    expect(ffprobe(b.body, "device-b.flv")[0]).toMatchObject({ codec_name: "h264" });
    // B's pull auth is off, but A's camera is decided by A's policy: unsigned, A's channel is refused however it is named.
    for (const url of [`/live/${aStream}.live.flv`, `/live/${CHANNEL}.live.flv?device=${DEVICE_A}`, `/live/${bStream}.live.flv?device=${DEVICE_A}`]) {
      const refused = await httpGet(`${base()}${url}`, 10_000, 1000);
      expect(refused.status, url).toBe(403);
    }
    // A bare channel code names two cameras: refused, never the first one that streams.
    const bare = await httpGet(`${base()}/live/${CHANNEL}.live.flv`, 10_000, 1000);
    expect(bare.status).toBe(403);
    expect(reason(bare.body)).toMatch(/ambiguous/);

    const a = await httpGet(`${base()}/live/${aStream}.live.flv?${signA(aStream)}`, 100_000, 3000);
    expect(a.status).toBe(200);
    // The legacy shape with ?device= names the same stream, and its signature covers that path only.
    const legacy = await httpGet(`${base()}/live/${CHANNEL}.live.flv?device=${DEVICE_A}&${signA(CHANNEL)}`, 100_000, 3000);
    expect(legacy.status).toBe(200);
    const byStream = new Map(invites.map((i) => [i.streamId, i]));
    expect(byStream.get(bStream)).toMatchObject({ deviceId: DEVICE_B, channelId: CHANNEL });
    expect(byStream.get(aStream)).toMatchObject({ deviceId: DEVICE_A, channelId: CHANNEL });
    expect(invites.filter((i) => i.channelId === CHANNEL)).toHaveLength(2);
    const sessionA = t.relay.registry.get(aStream);
    const sessionB = t.relay.registry.get(bStream);
    expect(sessionA?.lease.ssrc).toBeDefined();
    expect(sessionA?.lease.ssrc).not.toBe(sessionB?.lease.ssrc);

    // Plays are kept per device and channel, and the bitrate metric is labelled with the device's stream.
    const plays = await httpGet(`${base()}/api/plays/${bStream}`, 100_000, 1000);
    expect((JSON.parse(plays.body.toString()) as { plays: Array<{ streamId: string }> }).plays.map((p) => p.streamId)).toEqual([bStream]);
    expect(await t.metrics.metrics()).toContain(`stream="${aStream}"`);
  });
});

describe("pull authentication (PullState 1)", () => {
  it("refuses the device's own code as a stream id and a channel its catalog never reported, even with ?device= copied", async () => {
    for (const url of [`/live/${DEVICE_A}.live.flv?device=${DEVICE_A}`, `/live/34020000001310000999.live.flv?device=${DEVICE_A}`, `/live/${DEVICE_A}_34020000001310000999.live.flv`]) {
      const refused = await httpGet(`${base()}${url}`, 10_000, 1000);
      expect(refused.status, url).toBe(403);
      expect(reason(refused.body), url).toMatch(/unknown stream/);
    }
    expect(invites.some((i) => i.channelId === DEVICE_A || i.channelId === "34020000001310000999")).toBe(false);
  });

  it("refuses a signature that expires beyond the account's PullExpired window, and accepts one within it", async () => {
    const stream = `${DEVICE_A}_${CHANNEL}`;
    const tenYears = await httpGet(`${base()}/live/${stream}.live.flv?${signA(stream, nowSeconds() + 10 * 365 * 86_400)}`, 10_000, 1000);
    expect(tenYears.status).toBe(403);
    expect(reason(tenYears.body)).toMatch(/beyond the account's 600 s window/);
    const within = await httpGet(`${base()}/live/${stream}.live.flv?${signA(stream, nowSeconds() + WINDOW_SECONDS - 5)}`, 1, 3000);
    expect(within.status).toBe(200);
  });

  it("serves HLS segments only with the playlist's signature, which the playlist writes into the segment names", async () => {
    const stream = `${DEVICE_A}_${CHANNEL}`;
    const hls = `${base()}/hls/${stream}`;
    expect((await httpGet(`${hls}/index.m3u8`, 10_000, 1000)).status).toBe(403);
    const query = signA(stream);
    const playlist = await httpGet(`${hls}/index.m3u8?${query}`, 100_000, 5000);
    expect(playlist.status).toBe(200);
    const segments = playlist.body.toString().split("\n").filter((line) => line !== "" && !line.startsWith("#"));
    expect(segments.length).toBeGreaterThan(0);
    expect(segments.every((line) => line.endsWith(`?${query}`))).toBe(true);
    expect((await httpGet(`${hls}/${segments[0]!}`, 10_000_000, 2000)).status).toBe(200);
    const guessed = await httpGet(`${hls}/${segments[0]!.split("?")[0]!}`, 10_000, 1000);
    expect(guessed.status).toBe(403);
    expect(reason(guessed.body)).toMatch(/signature missing/);
  });
});

describe.skipIf(lanAddress === undefined)("operator paths", () => {
  it("answers /api/plays and /metrics to loopback only, unless MEDIA_OPS_PUBLIC=true", async () => {
    const lan = `http://${lanAddress!}:${t.relay.httpPort}`;
    for (const path of [`/api/plays/${DEVICE_B}_${CHANNEL}`, "/metrics"]) {
      // (This test relay serves no /metrics of its own: 404 from loopback, as opposed to 403.)
      expect((await httpGet(`${base()}${path}`, 1_000_000, 1000)).status, path).toBe(path === "/metrics" ? 404 : 200);
      const remote = await httpGet(`${lan}${path}`, 100_000, 1000);
      expect(remote.status, path).toBe(403);
      expect(reason(remote.body)).toMatch(/MEDIA_OPS_PUBLIC/);
    }
    const exposed = await startTestRelay({ RTP_PORTS: portRange(44320, 4), MEDIA_BIND: "0.0.0.0", MEDIA_OPS_PUBLIC: "true" });
    try {
      expect((await httpGet(`http://${lanAddress!}:${exposed.relay.httpPort}/api/plays/${CHANNEL}`, 100_000, 1000)).status).toBe(200);
    } finally {
      await exposed.stop();
    }
  });
});
