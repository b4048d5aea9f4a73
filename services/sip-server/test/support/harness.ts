import { randomInt, randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { Bus, BusError, channelChanged, connectNats, deviceCatalog, deviceCredentials, deviceInfo, deviceOffline, deviceOnline, devicePosition, type DeviceCredentialsReply } from "@ivc/bus";
import { VirtualDevice, type VirtualDeviceOptions } from "@ivc/device-sim";
import { createLogger, Registry } from "@ivc/runtime";
import { startSipServer, type SipServer, type SipServerTuning } from "../../src/server.js";
import type { SipServerConfig } from "../../src/config.js";

export const SERVER_ID = "34020000002000000001";

export interface RecordedEvent {
  name: string;
  deviceId: string;
  payload: Record<string, unknown>;
  receivedAt: number;
}

export interface Harness {
  clusterId: string;
  domain: string;
  bus: Bus;
  redis: Redis;
  events: RecordedEvent[];
  metrics: Registry;
  server: SipServer;
  /** What the fake API answers for each code; codes not listed get no answer (other suites share NATS). */
  devices: Map<string, DeviceCredentialsReply>;
  config: SipServerConfig;
  addDevice(deviceId: string, password: string, extra?: { enabled?: boolean; charset?: "GB2312" | "UTF-8" }): void;
  waitForEvent(name: string, deviceId: string, timeoutMs?: number): Promise<RecordedEvent>;
  /**
   * A virtual device known to the fake API (password "pw"), registered with this server and with
   * its catalog assembled (so the channel → device index knows it); an NVR code when it has more
   * than one channel. Stopped by close().
   */
  registeredDevice(options?: RegisteredDeviceOptions): Promise<VirtualDevice>;
  restartServer(): Promise<void>;
  close(): Promise<void>;
}

export type RegisteredDeviceOptions = Omit<VirtualDeviceOptions, "deviceId" | "password" | "serverHost" | "serverPort" | "serverId" | "domain">;

/** A 20-digit code in this run's domain; `type` is the GB type (132 IPC, 118 NVR). */
export function deviceCode(domain: string, type: "132" | "118", sequence: number): string {
  return `${domain}${type}${String(sequence).padStart(7, "0")}`;
}

/**
 * A sip-server started in-process against the real NATS and Redis, with a fake API answering
 * deviceCredentials for the codes a test adds, and every device event of this cluster recorded.
 * The cluster id and SIP domain are unique per harness, so parallel suites never mix.
 */
export async function startHarness(overrides: Partial<SipServerConfig> = {}, tuning: Partial<SipServerTuning> = {}): Promise<Harness> {
  const logger = createLogger("sip-server-test", process.env.TEST_LOG_LEVEL ?? "silent");
  const nc = await connectNats({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "sip-server-test", logger });
  const bus = new Bus(nc, logger);
  const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
  const clusterId = randomUUID();
  const domain = `34${String(randomInt(0, 99_999_999)).padStart(8, "0")}`;
  const devices = new Map<string, DeviceCredentialsReply>();
  const events: RecordedEvent[] = [];
  const registered: VirtualDevice[] = [];

  const credentialsSubject = deviceCredentials.subject({ clusterId });
  const responder = nc.subscribe(credentialsSubject, {
    callback: (_err, msg) => {
      const { deviceId } = JSON.parse(new TextDecoder().decode(msg.data)) as { deviceId: string };
      const answer = devices.get(deviceId);
      if (answer) msg.respond(JSON.stringify({ ok: true, data: answer }));
    },
  });
  const record =
    (name: string) =>
    (event: { clusterId: string; deviceId: string }): void => {
      if (event.clusterId === clusterId) events.push({ name, deviceId: event.deviceId, payload: event as Record<string, unknown>, receivedAt: Date.now() });
    };
  const recorders = [
    bus.subscribe(deviceOnline, record(deviceOnline.name)),
    bus.subscribe(deviceOffline, record(deviceOffline.name)),
    bus.subscribe(deviceCatalog, record(deviceCatalog.name)),
    bus.subscribe(deviceInfo, record(deviceInfo.name)),
    bus.subscribe(channelChanged, record(channelChanged.name)),
    bus.subscribe(devicePosition, record(devicePosition.name)),
  ];
  await nc.flush();

  const config: SipServerConfig = {
    SIP_ID: SERVER_ID,
    SIP_DOMAIN: domain,
    SIP_PORT: 0,
    SIP_BIND: "127.0.0.1",
    SIP_HOST: "127.0.0.1",
    KEEPALIVE_INTERVAL: 60_000,
    KEEPALIVE_MISSES: 3,
    CATALOG_TIMEOUT: 3000,
    ...overrides,
  };
  let metrics = new Registry();
  const start = () => startSipServer({ config, clusterId, logger, bus, redis, metrics, tuning: { queryTimeoutMs: 3000, credentialsTimeoutMs: 500, ...tuning } });

  const harness: Harness = {
    clusterId,
    domain,
    bus,
    redis,
    events,
    metrics,
    server: await start(),
    devices,
    config,
    addDevice(deviceId, password, extra = {}) {
      devices.set(deviceId, {
        found: true,
        clusterId,
        enabled: extra.enabled ?? true,
        password,
        deviceType: deviceId.slice(10, 13) === "118" ? "NVR" : "IPC",
        transport: "udp",
        ...(extra.charset ? { charset: extra.charset } : {}),
      });
    },
    async waitForEvent(name, deviceId, timeoutMs = 8000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find((e) => e.name === name && e.deviceId === deviceId);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no ${name} event for ${deviceId} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async registeredDevice(options = {}) {
      const type = (options.channels ?? 1) > 1 ? "118" : "132";
      const device = new VirtualDevice({
        // Sequences from 5,000,001: clear of the small numbers suites give their own devices.
        deviceId: deviceCode(domain, type, 5_000_000 + registered.length + 1),
        password: "pw",
        serverHost: "127.0.0.1",
        serverPort: harness.server.port,
        serverId: SERVER_ID,
        domain,
        localHost: "127.0.0.1",
        keepaliveInterval: false,
        ...options,
      });
      registered.push(device);
      harness.addDevice(device.deviceId, "pw");
      await device.start();
      await harness.waitForEvent("device.catalog", device.deviceId);
      return device;
    },
    async restartServer() {
      await harness.server.close();
      metrics = new Registry();
      harness.metrics = metrics;
      harness.server = await start();
    },
    async close() {
      await Promise.all(registered.map((d) => d.stop().catch(() => undefined)));
      await harness.server.close();
      for (const subscription of [responder, ...recorders]) subscription.unsubscribe();
      const keys = await redis.keys(`ivc:sip:${clusterId}:*`);
      if (keys.length > 0) await redis.del(...keys);
      await nc.drain();
      redis.disconnect();
    },
  };
  return harness;
}

/** The error code a bus request was refused with (`sip_timeout`, `device_offline`, ...). */
export function remoteCode(err: unknown): string | undefined {
  return err instanceof BusError ? err.remoteCode : undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
