import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { BusHandlerError, gatewayStreamStart, gatewayStreamStop, streamAuthorize, type StreamAuthorizeReply } from "@ivc/bus";
import { signStreamPath, verifyStreamSignature } from "@ivc/media";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testH264 } from "./support/device.js";
import { portRange, startTestRelay, type TestRelay } from "./support/relay.js";
import { ffprobe, httpGet } from "./support/viewers.js";

const NO_VIEWER_SECONDS = 1;
const PLAY_TIMEOUT_SECONDS = 6;

/** The API's part: gateway channels by code, each with its box and the box's push secret. */
const channels = new Map<string, { gwId: string; secret: string; enabled: boolean }>();

/** What the box stand-in does when asked to start: push a test pattern, do nothing, or refuse. */
type BoxMode = "push" | "silent" | "refuse";

/** A gateway box on the bus: answers gw.stream.start/stop for its gwId and pushes with ffmpeg. */
class FakeBox {
  readonly gwId = `gw${randomBytes(8).toString("hex")}`;
  readonly starts: Array<{ channelId: string; pushUrl: string }> = [];
  readonly stops: string[] = [];
  mode: BoxMode = "push";
  private readonly pushers = new Map<string, ChildProcess>();
  private readonly subs: Array<{ unsubscribe(): void }>;

  constructor(t: TestRelay) {
    this.subs = [
      t.bus.reply(gatewayStreamStart, { gwId: this.gwId }, ({ channelId, pushUrl }) => {
        this.starts.push({ channelId, pushUrl });
        if (this.mode === "refuse") throw new BusHandlerError("gateway_operation_failed", `channel ${channelId} is unknown`);
        if (this.mode === "push" && !this.pushers.has(channelId)) this.pushers.set(channelId, pushTestPattern(pushUrl));
        return { started: true };
      }),
      t.bus.reply(gatewayStreamStop, { gwId: this.gwId }, ({ channelId }) => {
        this.stops.push(channelId);
        this.pushers.get(channelId)?.kill("SIGKILL");
        return { stopped: this.pushers.delete(channelId) };
      }),
    ];
  }

  close(): void {
    for (const sub of this.subs) sub.unsubscribe();
    for (const pusher of this.pushers.values()) pusher.kill("SIGKILL");
  }
}

function pushTestPattern(url: string): ChildProcess {
  return spawn(
    "ffmpeg",
    ["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "20", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-bf", "0", "-f", "flv", url],
    { stdio: "ignore" },
  );
}

let t: TestRelay;
let box: FakeBox;
let responder: { unsubscribe(): void } | undefined;
let nextChannel = 1;

function gatewayChannel(enabled = true): string {
  const code = `dev-${randomBytes(4).toString("hex")}-${nextChannel++}`;
  channels.set(code, { gwId: box.gwId, secret: `secret-${box.gwId}`, enabled });
  return code;
}

beforeAll(async () => {
  testH264();
  t = await startTestRelay({ RTP_PORTS: portRange(43700), PLAY_TIMEOUT: String(PLAY_TIMEOUT_SECONDS), NO_VIEWER_CLOSE: String(NO_VIEWER_SECONDS) }, { authCacheMs: 0 });
  responder = t.bus.reply(streamAuthorize, { clusterId: t.clusterId }, ({ direction, streamId }): StreamAuthorizeReply => {
    const channel = channels.get(streamId);
    if (channel === undefined) return { exists: false, enabled: false, secretRequired: false };
    if (direction === "pull") return { exists: true, enabled: channel.enabled, accessProtocol: 3, secretRequired: false };
    return { exists: true, enabled: channel.enabled, deviceId: "34020000001310000001", accessProtocol: 3, secretRequired: true, secret: channel.secret, gwId: channel.gwId };
  });
  box = new FakeBox(t);
}, 30_000);
afterAll(async () => {
  box?.close();
  responder?.unsubscribe();
  await t?.stop();
});
beforeEach(() => {
  box.mode = "push";
});

const flvUrl = (code: string, gwId = box.gwId) => `http://127.0.0.1:${t.relay.httpPort}/live/${code}.live.flv?gw=${gwId}`;

async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("live view of a gateway channel", () => {
  it("asks the box to push to a signed URL of this relay, serves the push as HTTP-FLV, and stops the box when nobody watches", async () => {
    const code = gatewayChannel();
    const flv = await httpGet(flvUrl(code), 200_000, 4000);
    expect(flv.status).toBe(200);
    expect(ffprobe(flv.body, "gateway.flv")[0]).toMatchObject({ codec_name: "h264", width: 320, height: 240 });

    const asked = box.starts.find((s) => s.channelId === code);
    const pushUrl = new URL(asked?.pushUrl ?? "rtmp://missing");
    expect(`${pushUrl.protocol}//${pushUrl.host}${pushUrl.pathname}`).toBe(`rtmp://127.0.0.1:${t.relay.rtmpPort}/live/${code}`);
    expect(verifyStreamSignature(`/live/${code}`, pushUrl.searchParams, `secret-${box.gwId}`, Math.floor(Date.now() / 1000))).toMatchObject({ ok: true });

    const stages = t.relay.timelines.plays(code)[0]?.stages.map((s) => s.stage);
    expect(stages).toEqual(["request", "gateway-start-sent", "gateway-started", "push-started", "first-keyframe", "first-byte"]);
    await waitFor(() => box.stops.includes(code), (NO_VIEWER_SECONDS + 3) * 1000);
    expect(t.relay.timelines.plays(code)[0]?.outcome).toBe("no viewer");
  }, 30_000);

  it("shares one push among viewers: the box is asked once", async () => {
    const code = gatewayChannel();
    const [a, b] = await Promise.all([httpGet(flvUrl(code), 60_000, 3000), httpGet(flvUrl(code), 60_000, 3000)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(box.starts.filter((s) => s.channelId === code)).toHaveLength(1);
  }, 30_000);

  it("starts the box's push for an RTMP player with gw as well", async () => {
    const code = gatewayChannel();
    const probed = await new Promise<string>((resolve) => {
      const proc = spawn("ffprobe", ["-v", "error", "-show_streams", "-of", "json", `rtmp://127.0.0.1:${t.relay.rtmpPort}/live/${code}?gw=${box.gwId}`], { stdio: ["ignore", "pipe", "ignore"] });
      let out = "";
      proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
      proc.on("exit", () => resolve(out));
    });
    expect((JSON.parse(probed || "{}") as { streams?: Array<{ codec_name: string }> }).streams?.[0]?.codec_name).toBe("h264");
    expect(box.starts.filter((s) => s.channelId === code)).toHaveLength(1);
  }, 30_000);

  it("names the stage 'gateway unreachable' when no box answers", async () => {
    const code = gatewayChannel();
    channels.set(code, { ...channels.get(code)!, gwId: "gwNobodyListens0001" });
    const started = Date.now();
    const res = await httpGet(flvUrl(code, "gwNobodyListens0001"), 10_000, 1000);
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body.toString())).toMatchObject({ stage: "gateway unreachable", streamId: code });
    expect(Date.now() - started).toBeLessThan(PLAY_TIMEOUT_SECONDS * 1000);
  });

  it("names the stage 'gateway refused' when the box refuses the channel", async () => {
    box.mode = "refuse";
    const code = gatewayChannel();
    const res = await httpGet(flvUrl(code), 10_000, 1000);
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body.toString())).toMatchObject({ stage: "gateway refused" });
  });

  it("names the stage 'no push from gateway' when the box answers but publishes nothing in time, and tells it to stop", async () => {
    box.mode = "silent";
    const code = gatewayChannel();
    const res = await httpGet(flvUrl(code), 10_000, 1000);
    expect(res.status).toBe(504);
    const body = JSON.parse(res.body.toString()) as { stage: string; timeline: Array<{ stage: string }> };
    expect(body.stage).toBe("no push from gateway");
    expect(body.timeline.map((s) => s.stage)).toEqual(["request", "gateway-start-sent", "gateway-started", "failed"]);
    await waitFor(() => box.stops.includes(code), 3000);
  }, 20_000);

  it("refuses a viewer whose gw names another box than the channel's", async () => {
    const code = gatewayChannel();
    const res = await httpGet(flvUrl(code, "gwSomeoneElse00001"), 10_000, 1000);
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body.toString())).toMatchObject({ stage: "device refused" });
    expect(box.starts.some((s) => s.channelId === code)).toBe(false);
  });
});

describe("RTMP publish of a gateway channel", () => {
  it("accepts only a push signed with the gateway's secret", async () => {
    const code = gatewayChannel();
    const base = `rtmp://127.0.0.1:${t.relay.rtmpPort}/live/${code}`;
    const wrong = `?sign=${signStreamPath(`/live/${code}`, "account-push-secret", Math.floor(Date.now() / 1000) + 600)}`;
    const refused = await new Promise<number | null>((resolve) => pushTestPattern(`${base}${wrong}`).on("exit", resolve));
    expect(refused).not.toBe(0);
    const unsigned = await new Promise<number | null>((resolve) => pushTestPattern(base).on("exit", resolve));
    expect(unsigned).not.toBe(0);
    expect(t.relay.pushed.get(code)).toBeUndefined();
  }, 30_000);

  it("adopts a box's push nobody asked for and stops it when nobody watches", async () => {
    const code = gatewayChannel();
    const right = `?sign=${signStreamPath(`/live/${code}`, `secret-${box.gwId}`, Math.floor(Date.now() / 1000) + 600)}`;
    const pusher = pushTestPattern(`rtmp://127.0.0.1:${t.relay.rtmpPort}/live/${code}${right}`);
    try {
      await waitFor(() => t.relay.pushed.get(code) !== undefined, 8000);
      await waitFor(() => box.stops.includes(code), (NO_VIEWER_SECONDS + 3) * 1000);
    } finally {
      pusher.kill("SIGKILL");
    }
  }, 20_000);
});
