import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceCredentials } from "@ivc/bus";
import { VirtualDevice } from "@ivc/device-sim";
import { freePort } from "../../../test/support/ports.js";
import { deviceCode, SERVER_ID, sleep, startHarness, type Harness } from "./support/harness.js";
import { deviceRequest, rawSipPeer, type RawSipPeer } from "./support/raw-sip.js";

// Issue 11 "One source must not starve everyone", scaled down through the settings: 12 TCP
// connections in all, 4 per address, 0.5 s to complete a message; REGISTERs 20/s (burst 40) per
// address; 10 unknown codes per address before its unknown codes are refused without asking the API.
let h: Harness;
const sockets: Socket[] = [];
const peers: RawSipPeer[] = [];
const devices: VirtualDevice[] = [];
let lookups = 0;
let lookupSubscription: { unsubscribe(): void } | undefined;

const tcpConnections = () => h.server.retained().tcpConnections ?? 0;

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A TCP connection from `localAddress` that sends nothing (or `trickle` bytes now and then). */
async function idleConnection(localAddress: string, trickle = false): Promise<Socket> {
  const socket = connect({ host: "127.0.0.1", port: h.server.port, localAddress });
  socket.on("error", () => undefined);
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  if (trickle) {
    const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write("R")), 100);
  }
  return socket;
}

function tcpDevice(sequence: number): VirtualDevice {
  const device = new VirtualDevice({
    deviceId: deviceCode(h.domain, "132", sequence),
    password: "pw",
    serverHost: "127.0.0.1",
    serverPort: h.server.port,
    serverId: SERVER_ID,
    domain: h.domain,
    transport: "tcp",
    keepaliveInterval: false,
  });
  h.addDevice(device.deviceId, "pw");
  devices.push(device);
  return device;
}

beforeAll(async () => {
  h = await startHarness({
    SIP_PORT: await freePort(),
    SIP_TCP_MAX_CONNECTIONS: 12,
    SIP_TCP_MAX_PER_ADDRESS: 4,
    SIP_TCP_MESSAGE_TIMEOUT: 500,
    SIP_REGISTER_RATE: 20,
    SIP_REGISTER_BURST: 40,
    SIP_UNKNOWN_DEVICE_LIMIT: 10,
  });
  // The API's side for the storm's codes: counted, and unknown.
  lookupSubscription = h.bus.reply(deviceCredentials, { clusterId: h.clusterId }, ({ deviceId }) => {
    if (!deviceId.startsWith(`${h.domain}1329`)) return new Promise<never>(() => undefined);
    lookups++;
    return { found: false as const };
  });
});

afterAll(async () => {
  lookupSubscription?.unsubscribe();
  for (const socket of sockets) socket.destroy();
  await Promise.all([...peers.map((p) => p.close()), ...devices.map((d) => d.stop().catch(() => undefined))]);
  await h?.close();
});

describe("idle TCP connections", () => {
  it("are capped per address and in all, closed when they complete no message in time, and never lock a real device out", async () => {
    const closed: Socket[] = [];
    for (const address of ["127.0.0.8", "127.0.0.9", "127.0.0.10"]) {
      for (let i = 0; i < 6; i++) {
        const socket = await idleConnection(address, address === "127.0.0.10" && i === 5);
        socket.once("close", () => closed.push(socket));
      }
    }
    // Six from each address, four kept each: the global cap of 12 is full of idle connections.
    await waitFor(() => closed.length >= 6, "the per-address cap to evict the oldest");
    expect(tcpConnections()).toBeLessThanOrEqual(12);

    const device = tcpDevice(1);
    await device.start();
    expect(device.registered).toBe(true);

    // Idle and trickling connections alike are closed; the device's connection stays.
    await waitFor(() => closed.length === 18, "the message timeout to close every idle connection");
    await sleep(700);
    expect(tcpConnections()).toBe(1);
    expect(await h.redis.exists(`ivc:sip:${h.clusterId}:reg:${device.deviceId}`)).toBe(1);

    const next = tcpDevice(2);
    await next.start();
    expect(next.registered).toBe(true);
  }, 15_000);
});

describe("a REGISTER storm of unknown codes from one address", () => {
  it("is refused cheaply (few API lookups) while a device on another address registers during it", async () => {
    const storm = await rawSipPeer(h.server.port, "127.0.0.6");
    peers.push(storm);
    let sent = 0;
    let stop = false;
    const storming = (async () => {
      // Until the device is in: it registers while the storm goes on.
      while (!stop) {
        for (let i = 0; i < 100; i++) {
          const code = `${h.domain}1329${String(sent++).padStart(6, "0")}`;
          storm.fire(deviceRequest(storm, h.domain, code, "REGISTER", { callId: randomUUID(), headers: [["Expires", "3600"]] }));
        }
        await sleep(10);
      }
    })();
    await sleep(300);
    const device = new VirtualDevice({
      deviceId: deviceCode(h.domain, "132", 3),
      password: "pw",
      serverHost: "127.0.0.1",
      serverPort: h.server.port,
      serverId: SERVER_ID,
      domain: h.domain,
      localHost: "127.0.0.7",
      keepaliveInterval: false,
    });
    h.addDevice(device.deviceId, "pw");
    devices.push(device);
    await device.start();
    stop = true;
    await storming;
    await sleep(300);

    expect(device.registered).toBe(true);
    expect(sent).toBeGreaterThan(1000);
    // Only the burst (plus what the bucket refills before the first answers come back) reaches the
    // API; from then on the address is backed off and its unknown codes cost no lookup.
    expect(lookups).toBeGreaterThanOrEqual(10);
    expect(lookups).toBeLessThanOrEqual(60);
    // Throttled (stateless 503) and backed off (403); loopback UDP under this load drops some.
    expect(storm.answers.get(503) ?? 0).toBeGreaterThan(0);
    expect(storm.answers.get(403) ?? 0).toBeGreaterThan(0);
    expect(storm.answers.get(200) ?? 0).toBe(0);
  }, 20_000);
});
