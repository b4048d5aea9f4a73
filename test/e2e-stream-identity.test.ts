import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamingMediaResponder, VirtualDevice, type StreamInfo } from "@ivc/device-sim";
import { signStreamPath } from "@ivc/media";
import { probeVideo } from "./support/ffprobe.js";
import { startGateway, type ApiKey, type DescribedDevice, type RunningGateway } from "./support/gateway.js";
import { waitFor } from "./support/wait.js";

// Issue 11 "Streams are named by channel code alone" and "Pull authentication gaps", issue 14's
// two-device case: two accounts, each with a camera that reports the factory-default channel code,
// through the whole gateway (launcher, API, sip-server, media-relay, device-sim).

const FACTORY_CHANNEL = "34020000001310000001";
const run = promisify(execFile);

interface Camera {
  code: string;
  channelId: string;
  streams: StreamInfo[];
}

let gw: RunningGateway;
let clusterId: string;
let pictures: string;
let bob: ApiKey;
const sims: VirtualDevice[] = [];
const responders: StreamingMediaResponder[] = [];

/** The device-sim test picture at `size`, so each camera's picture is told apart by its width. */
async function testPicture(size: string): Promise<string> {
  const path = join(pictures, `${size}.h264`);
  await run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", `testsrc=size=${size}:rate=25`, "-t", "6", "-c:v", "libx264", "-g", "25", "-bf", "0", "-pix_fmt", "yuv420p", "-f", "h264", "-y", path]);
  return path;
}

/** Another account and its key, made with the operator CLI against the running gateway's database. */
async function secondAccount(): Promise<ApiKey> {
  const cli = join(import.meta.dirname, "../services/api/dist/cli/main.js");
  const appId = "1250000077";
  await run(process.execPath, [cli, "accounts", "create", "--name", "bob", "--app-id", appId], { env: gw.env });
  const { stdout } = await run(process.execPath, [cli, "keys", "create", "--app-id", appId], { env: gw.env });
  const key = JSON.parse(stdout.trim().split("\n").pop()!) as { SecretId: string; SecretKey: string };
  return { secretId: key.SecretId, secretKey: key.SecretKey };
}

/** A GB camera of `key`'s account whose catalog (after registering) also reports the factory-default channel. */
async function camera(name: string, video: string, key?: ApiKey): Promise<Camera> {
  const added = await gw.call<{ Id: string }>("POST", "/ivc/cms/device/add", { Name: name, Type: 1, OrganizationId: "0", ClusterId: clusterId, AccessProtocol: 2, TransportProtocol: 1, Password: "12345678" }, key);
  expect(added.StatusCode, JSON.stringify(added)).toBe(200);
  const d = (await gw.call<DescribedDevice>("GET", `/ivc/cms/device/describe?Id=${added.Data.Id}`, undefined, key)).Data;
  const responder = new StreamingMediaResponder({ video });
  const streams: StreamInfo[] = [];
  responder.on("streaming", (info) => streams.push(info));
  responders.push(responder);
  const sim = new VirtualDevice({
    deviceId: d.Code, password: d.Password, serverHost: d.SipIp, serverPort: d.SipPort, serverId: d.SipId, domain: d.SipDomain,
    localHost: "127.0.0.1", keepaliveInterval: 5, transport: "udp", mediaResponder: responder,
  });
  sims.push(sim);
  await sim.start();
  await waitFor(`${name}'s catalog`, async () => {
    const list = await gw.call<Array<{ State: number }>>("GET", `/ivc/cms/device/channel?DeviceId=${added.Data.Id}`, undefined, key);
    return list.Data[0]?.State === 1 ? true : undefined;
  });
  // The first device's generated code already gives its IPC channel the factory-default code.
  if (!sim.channels.some((c) => c.id === FACTORY_CHANNEL)) await sim.notifyChannelChange(FACTORY_CHANNEL, "ADD", "出厂默认通道");
  const channelId = await waitFor(`${name}'s factory-default channel`, async () => {
    const list = await gw.call<Array<{ ChannelId: string; ChannelCode: string; State: number }>>("GET", `/ivc/cms/device/channel?DeviceId=${added.Data.Id}`, undefined, key);
    return list.Data.find((c) => c.ChannelCode === FACTORY_CHANNEL && c.State === 1)?.ChannelId;
  });
  return { code: d.Code, channelId, streams };
}

async function playUrls(channelId: string, key?: ApiKey): Promise<{ Flv: string; Hls: string }> {
  const res = await gw.call<{ Flv: string; Hls: string }>("POST", "/ivc/cms/control/stream", { ChannelId: channelId }, key);
  expect(res.StatusCode, JSON.stringify(res)).toBe(200);
  return res.Data;
}

let alices: Camera;
let bobs: Camera;
const ALICE_SECRET = "alicePull1";

beforeAll(async () => {
  pictures = await mkdtemp(join(tmpdir(), "ivc-e2e-identity-"));
  const [alicePicture, bobPicture] = await Promise.all([testPicture("640x480"), testPicture("320x240")]);
  gw = await startGateway({ NO_VIEWER_CLOSE: "3", IVC_MASTER_KEY: randomBytes(32).toString("hex") });
  clusterId = (await gw.call<Array<{ Value: string }>>("GET", "/ivc/cms/config/getuserregion")).Data[0]!.Value;
  bob = await secondAccount();
  alices = await camera("alice-cam", alicePicture);
  bobs = await camera("bob-cam", bobPicture, bob);
  // Alice signs her pulls; Bob's account leaves pull authentication off.
  const config = await gw.call<{ Id: string }>("GET", "/ivc/cms/config/authstream");
  const set = await gw.call("POST", "/ivc/cms/config/authstream", { Id: config.Data.Id, PullState: 1, PullSecret: ALICE_SECRET, PullExpired: 10, PushState: 0, PushSecret: "", PushExpired: 0 });
  expect(set.StatusCode, JSON.stringify(set)).toBe(200);
}, 240_000);

afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  await Promise.all(responders.map((r) => r.close()));
  await gw?.stop();
  if (pictures) await rm(pictures, { recursive: true, force: true });
}, 60_000);

const media = () => `http://127.0.0.1:${gw.env.MEDIA_HTTP_PORT}`;

describe("two accounts' cameras reporting the same factory-default channel code", () => {
  it("each plays its own picture after its own INVITE, while the other streams", async () => {
    const bobUrls = await playUrls(bobs.channelId, bob);
    const aliceUrls = await playUrls(alices.channelId);
    expect(new URL(bobUrls.Flv).pathname).toBe(`/live/${bobs.code}_${FACTORY_CHANNEL}.live.flv`);
    const [bobVideo, aliceVideo] = await Promise.all([probeVideo(bobUrls.Flv), probeVideo(aliceUrls.Flv)]);
    expect(bobVideo).toMatchObject({ codec_name: "h264", width: "320" });
    expect(aliceVideo).toMatchObject({ codec_name: "h264", width: "640" });
    expect(bobs.streams.filter((s) => s.channelId === FACTORY_CHANNEL)).toHaveLength(1);
    expect(alices.streams.filter((s) => s.channelId === FACTORY_CHANNEL)).toHaveLength(1);
  }, 60_000);

  it("Bob cannot play Alice's camera: not by her device's stream id, not with ?device= on the shared code, not by the bare code", async () => {
    for (const path of [
      `/live/${alices.code}_${FACTORY_CHANNEL}.live.flv`,
      `/live/${FACTORY_CHANNEL}.live.flv?device=${alices.code}`,
      `/live/${bobs.code}_${FACTORY_CHANNEL}.live.flv?device=${alices.code}`,
      `/live/${FACTORY_CHANNEL}.live.flv`,
    ]) {
      const res = await fetch(`${media()}${path}`);
      expect(res.status, path).toBe(403);
      await res.body?.cancel();
    }
  }, 30_000);
});

describe("pull authentication gaps (PullState 1)", () => {
  it("refuses the device's own code as stream id and an unreported channel with ?device= copied", async () => {
    const before = alices.streams.length;
    for (const path of [`/live/${alices.code}.live.flv?device=${alices.code}`, `/live/34020000001310009999.live.flv?device=${alices.code}`]) {
      const res = await fetch(`${media()}${path}`);
      expect(res.status, path).toBe(403);
      expect(await res.text(), path).toMatch(/unknown stream/);
    }
    expect(alices.streams.length).toBe(before);
  }, 30_000);

  it("refuses a URL signed for ten years, beyond PullExpired", async () => {
    const stream = `${alices.code}_${FACTORY_CHANNEL}`;
    const res = await fetch(`${media()}/live/${stream}.live.flv?sign=${signStreamPath(`/live/${stream}`, ALICE_SECRET, Math.floor(Date.now() / 1000) + 10 * 365 * 86_400)}`);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/beyond the account's 600 s window/);
  }, 30_000);

  it("serves an HLS segment only with the playlist's signature", async () => {
    const { Hls } = await playUrls(alices.channelId);
    const playlist = await waitFor("a playlist with a segment", async () => {
      const res = await fetch(Hls);
      const text = await res.text();
      return res.status === 200 && /^seg\d+\.ts/m.test(text) ? text : undefined;
    }, 30_000, 500);
    const segment = playlist.split("\n").find((l) => /^seg\d+\.ts/.test(l))!;
    expect(segment).toContain(`sign=${new URL(Hls).searchParams.get("sign")}`);
    const signed = await fetch(new URL(segment, Hls));
    expect(signed.status).toBe(200);
    await signed.body?.cancel();
    const guessed = await fetch(new URL(segment.split("?")[0]!, Hls));
    expect(guessed.status).toBe(403);
    await guessed.body?.cancel();
  }, 60_000);
});

/** This machine's first non-loopback IPv4: a peer there is not loopback. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i !== undefined && i.family === "IPv4" && !i.internal)?.address;

describe.skipIf(lanAddress === undefined)("disclosure: the relay's operator paths", () => {
  it("answers /api/plays and /metrics on loopback and refuses them to another address by default", async () => {
    const plays = `/api/plays/${bobs.code}_${FACTORY_CHANNEL}`;
    const local = await fetch(`${media()}${plays}`);
    expect(local.status).toBe(200);
    expect(((await local.json()) as { plays: unknown[] }).plays.length).toBeGreaterThan(0);
    const remote = `http://${lanAddress!}:${gw.env.MEDIA_HTTP_PORT}`;
    for (const path of [plays, "/metrics"]) {
      const res = await fetch(`${remote}${path}`);
      expect(res.status, path).toBe(403);
      expect(await res.text(), path).toMatch(/MEDIA_OPS_PUBLIC/);
    }
    expect((await fetch(`${remote}/healthz`)).status).toBe(200);
  }, 30_000);
});
