import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Bus, connectNats, gatewayDeviceAdd } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { openDatabase } from "../services/api/src/db/open.js";
import { accounts } from "../services/api/src/db/schema.js";
import { createGatewayKey } from "../services/api/src/store/gateway-keys.js";
import { OnvifCamera } from "../services/edge-agent/test/support/onvif-camera.js";
import { makeBox, type TestBox } from "../services/edge-agent/test/support/platform.js";
import { RtspCamera } from "../services/edge-agent/test/support/rtsp-camera.js";
import { startGateway, type RunningGateway } from "./support/gateway.js";

// Issue 7, a LAN camera through a gateway box, end to end: the whole platform as `npm start` runs
// it, a box (edge-agent in this process, on the platform's NATS) activated with a key, an RTSP
// camera stand-in with an ONVIF responder attached through the box; the device shows up in the
// device APIs with AccessProtocol 3, its FLV URL plays (relay → gw.stream.start → ffmpeg pull +
// push → relay), and a PTZ call reaches the camera as ContinuousMove then Stop.

const NO_VIEWER_SECONDS = 3;

let gw: RunningGateway;
let nc: Awaited<ReturnType<typeof connectNats>>;
let box: TestBox;
let gwId = "";
let camera: RtspCamera;
let onvif: OnvifCamera;
let work = "";

interface DeviceItem {
  Id: string;
  AccessProtocol: number;
  Status: number;
}
interface ChannelItem {
  ChannelId: string;
  ChannelCode: string;
  PtzType: number;
  State: number;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function ffprobe(url: string): Promise<{ streams?: Array<{ codec_name: string; width?: number; height?: number }> }> {
  return new Promise((resolve, reject) => {
    execFile("ffprobe", ["-v", "error", "-rw_timeout", "30000000", "-show_streams", "-of", "json", url], { timeout: 40_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`ffprobe ${url}: ${err.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as { streams?: Array<{ codec_name: string }> });
    });
  });
}

beforeAll(async () => {
  gw = await startGateway({ NO_VIEWER_CLOSE: String(NO_VIEWER_SECONDS) });
  const regions = await gw.call<Array<{ Value: string }>>("GET", "/ivc/cms/config/getuserregion");
  const clusterId = regions.Data[0]?.Value ?? "";

  // The key `ivc gateway key create --cluster …` would print, written straight into the platform's database.
  const database = await openDatabase(gw.env.DATABASE_URL);
  let key: string;
  try {
    const [account] = await database.db.select().from(accounts);
    if (!account) throw new Error("the launcher created no account");
    key = (await createGatewayKey(database.db, account.appId, clusterId, 10 * 60_000)).key;
  } finally {
    await database.close();
  }

  const logger = createLogger("e2e-gateway", process.env.TEST_LOG_LEVEL ?? "silent");
  nc = await connectNats({ url: gw.env.NATS_URL as string, name: "e2e-gateway-box", logger });
  box = await makeBox(new Bus(nc, logger), key);
  const state = await box.agent.start();
  if (state.kind !== "activated") throw new Error(`box not activated: ${JSON.stringify(state)}`);
  gwId = state.identity.gwId;

  work = mkdtempSync(join(tmpdir(), "ivc-e2e-gateway-"));
  camera = new RtspCamera(work);
  await camera.start();
  onvif = new OnvifCamera("admin", "cam-pass", () => camera.url);
  await onvif.start();
}, 180_000);

afterAll(async () => {
  await box?.agent.close();
  await nc?.drain();
  await onvif?.stop();
  await camera?.stop();
  await gw?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
}, 60_000);

describe("a LAN camera attached through a gateway box", () => {
  let channel: ChannelItem;

  it("appears in the device APIs with AccessProtocol 3, online, with a PTZ channel", async () => {
    const gateways = await gw.call<{ List: Array<{ GwId: string; Status: number }> }>("GET", "/ivc/cms/gateway/list?PageNumber=1&PageSize=10");
    expect(gateways.Data.List).toEqual([expect.objectContaining({ GwId: gwId, Status: 1 })]);

    const bus = new Bus(nc, createLogger("e2e-gateway", "silent"));
    const attached = await bus.request(gatewayDeviceAdd, { gwId }, { protocolType: 4, ip: "127.0.0.1", port: onvif.port, user: "admin", password: "cam-pass" }, { timeoutMs: 15_000 });
    expect(attached).toMatchObject({ online: true, channels: [expect.objectContaining({ ptz: true })] });

    const device = await until(
      "the device in getUserResources",
      async () => {
        const page = await gw.call<{ List: DeviceItem[] }>("GET", "/ivc/urm/resource/getUserResources?OrganizationId=0&IsContainSubLevel=true&AccessProtocol=3");
        return page.Data.List.find((d) => d.Status === 1);
      },
      15_000,
    );
    expect(device.AccessProtocol).toBe(3);
    const channels = await gw.call<ChannelItem[]>("GET", `/ivc/cms/device/channel?DeviceId=${device.Id}`);
    expect(channels.Data).toEqual([expect.objectContaining({ ChannelCode: `${attached.id}-1`, PtzType: 1, State: 1 })]);
    channel = channels.Data[0]!;
  }, 60_000);

  it("plays through the platform's FLV URL: ffprobe reads H.264 320x240", async () => {
    const urls = await gw.call<{ Flv: string; Hls: string }>("POST", "/ivc/cms/control/stream", { ChannelId: channel.ChannelId });
    expect(urls.StatusCode, JSON.stringify(urls)).toBe(200);
    expect(urls.Data.Flv).toContain(`/live/${channel.ChannelCode}.live.flv?gw=${gwId}`);
    const probed = await ffprobe(urls.Data.Flv);
    expect(probed.streams?.[0]).toMatchObject({ codec_name: "h264", width: 320, height: 240 });
    // The box pushed it: its ffmpeg ran for the channel, and stops once nobody watches.
    await until("the box's push stopped after the last viewer", async () => (box.streams.pidOf(channel.ChannelCode) === undefined ? true : undefined), (NO_VIEWER_SECONDS + 10) * 1000);
  }, 90_000);

  it("steers the camera through ONVIF: a PTZ call arrives as ContinuousMove, then Stop", async () => {
    onvif.calls.length = 0;
    const moved = await gw.call("POST", "/ivc/cms/control/ptz", { ChannelId: channel.ChannelId, Type: "left", Speed: 4 });
    expect(moved.StatusCode, JSON.stringify(moved)).toBe(200);
    await until("ContinuousMove then Stop", async () => (onvif.calls.some((c) => c.op === "Stop") ? true : undefined), 5000);
    expect(onvif.calls.map((c) => c.op)).toEqual(["ContinuousMove", "Stop"]);
    expect(onvif.calls[0]).toMatchObject({ profile: "Profile_1", args: { x: "-0.5", y: "0", zoom: "0", timeout: "PT0.5S" } });
  }, 30_000);
});
