import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTestPattern, StreamingMediaResponder, VirtualDevice } from "@ivc/device-sim";
import { probeVideo } from "./support/ffprobe.js";
import { startGateway, type DescribedDevice, type RunningGateway } from "./support/gateway.js";
import { isProcessAlive } from "./support/ports.js";
import { waitFor } from "./support/wait.js";

// Issue 12: what the launcher started, it keeps alive. kill -9 of the NATS and Redis it started,
// and of the API, while a camera is registered: the camera stays online, and a new play works.

/** How long a restarted piece of infrastructure may take until the gateway serves again (loaded CI box). */
const RECOVERY_BOUND_MS = 45_000;

let gw: RunningGateway;
let device: DescribedDevice;
let channelId: string;
const sims: VirtualDevice[] = [];

beforeAll(async () => {
  const video = await generateTestPattern();
  if (video === undefined) throw new Error("ffmpeg is needed to make the test picture (npm test installs it)");
  gw = await startGateway({ KEEPALIVE_INTERVAL: "2", KEEPALIVE_MISSES: "3", NO_VIEWER_CLOSE: "3" });
  const clusterId = (await gw.call<Array<{ Value: string }>>("GET", "/ivc/cms/config/getuserregion")).Data[0]!.Value;
  const added = await gw.call<DescribedDevice>("POST", "/ivc/cms/device/add", {
    Name: "故障摄像头", Type: 1, OrganizationId: "0", ClusterId: clusterId, AccessProtocol: 2, TransportProtocol: 1, Password: "12345678",
  });
  expect(added.StatusCode, JSON.stringify(added)).toBe(200);
  device = (await gw.call<DescribedDevice>("GET", `/ivc/cms/device/describe?Id=${added.Data.Id}`)).Data;
  const sim = new VirtualDevice({
    deviceId: device.Code, password: device.Password, serverHost: device.SipIp, serverPort: device.SipPort, serverId: device.SipId,
    domain: device.SipDomain, localHost: "127.0.0.1", keepaliveInterval: 2, mediaResponder: new StreamingMediaResponder({ video, audio: false }),
  });
  sims.push(sim);
  await sim.start();
  channelId = await waitFor(() => `the channel online; sip-server log:\n${gw.logs().slice(-3000)}`, async () => {
    const list = await gw.call<Array<{ ChannelId: string; State: number }>>("GET", `/ivc/cms/device/channel?DeviceId=${device.Id}`);
    return list.Data[0]?.State === 1 ? list.Data[0].ChannelId : undefined;
  });
}, 180_000);

afterAll(async () => {
  await Promise.all(sims.map((s) => s.stop()));
  await gw?.stop();
}, 60_000);

async function deviceStatus(): Promise<number | undefined> {
  try {
    return (await gw.call<DescribedDevice>("GET", `/ivc/cms/device/describe?Id=${device.Id}`)).Data.Status;
  } catch {
    return undefined; // the API is restarting
  }
}

/** One sample of the sip-server's metrics, summed over labels that match. */
async function sipMetric(name: string, labels = ""): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${gw.env.SIP_HTTP_PORT}/metrics`)).text();
  return text.split("\n").filter((l) => l.startsWith(name) && l.includes(labels)).reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
}

/** A new viewer gets the camera's picture; tried until `boundMs` (the stack may still be reconnecting). */
async function newPlayWorks(boundMs: number): Promise<void> {
  const started = Date.now();
  const attempts: string[] = [];
  for (;;) {
    const res = await gw.call<{ Flv: string }>("POST", "/ivc/cms/control/stream", { ChannelId: channelId }).catch((err: unknown) => ({ StatusCode: 0, Message: String(err), Data: { Flv: "" } }));
    const codec = res.StatusCode === 200 ? (await probeVideo(res.Data.Flv)).codec_name : undefined;
    if (codec === "h264") return;
    attempts.push(`${Date.now() - started} ms: ${res.StatusCode} ${res.StatusCode === 200 ? "no picture" : res.Message}`);
    if (Date.now() - started > boundMs) throw new Error(`no new play within ${boundMs} ms:\n${attempts.join("\n")}\n${gw.logs().slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe("kill -9 of what the launcher started", () => {
  it("NATS and Redis: restarted, the camera stays online, and a new play works", async () => {
    const before = gw.launcherState().infra;
    expect(before.map((p) => p.name).sort()).toEqual(["nats-server", "redis-server"]);
    for (const { pid } of before) process.kill(pid, "SIGKILL");
    await expect.poll(() => gw.launcherState().infra.filter((p) => isProcessAlive(p.pid) && !before.some((b) => b.pid === p.pid)).length,
      { timeout: RECOVERY_BOUND_MS, interval: 250 }).toBe(2);
    await expect.poll(deviceStatus, { timeout: RECOVERY_BOUND_MS, interval: 500 }).toBe(1);
    await newPlayWorks(RECOVERY_BOUND_MS);
  }, 120_000);

  it("the API: the sip-server keeps the camera online meanwhile, and the restarted API serves it", async () => {
    const api = gw.launcherState().services.find((s) => s.name === "api")!;
    const registersBefore = await sipMetric("ivc_sip_register_total");
    const keepalivesBefore = await sipMetric("ivc_sip_keepalive_total", 'result="accepted"');
    process.kill(api.pid, "SIGKILL");
    // While the API is away, the camera's keepalives are still accepted and it stays registered.
    await expect.poll(() => sipMetric("ivc_sip_keepalive_total", 'result="accepted"'), { timeout: 10_000, interval: 250 }).toBeGreaterThan(keepalivesBefore);
    expect(await sipMetric("ivc_sip_registered_devices")).toBe(1);
    await expect.poll(() => gw.launcherState().services.find((s) => s.name === "api")!.pid, { timeout: RECOVERY_BOUND_MS, interval: 250 }).not.toBe(api.pid);
    await expect.poll(deviceStatus, { timeout: RECOVERY_BOUND_MS, interval: 500 }).toBe(1);
    // It never had to register again: it was not dropped meanwhile.
    expect(await sipMetric("ivc_sip_register_total")).toBe(registersBefore);
    await newPlayWorks(RECOVERY_BOUND_MS);
  }, 120_000);
});
