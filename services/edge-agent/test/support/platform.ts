import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Bus, BusHandlerError, connectNats, gatewayActivate, gatewayReportSigned, hashGatewaySecret, type GatewayReportContract, type GatewayReportFields } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { startPrivateNats } from "../../../../test/support/private-nats.js";
import { DeviceManager } from "../../src/devices/device-manager.js";
import { DeviceRegistry } from "../../src/devices/device-registry.js";
import { GatewayAgent } from "../../src/gateway-agent.js";
import { IdentityStore } from "../../src/identity-store.js";
import { StreamManager } from "../../src/streams/stream-manager.js";
import { UpFlowMeter } from "../../src/upflow-meter.js";
import type { Upgrader } from "../../src/upgrade/upgrader.js";

export const logger = createLogger("edge-agent", process.env.TEST_LOG_LEVEL ?? "silent");

/**
 * A bus on a nats-server of the calling file's own: `api.gateway.activate` is one subject for the
 * whole site, so another file's FakePlatform (or the API's tests) would refuse this file's keys.
 * `close()` drains the connection and stops the server.
 */
export async function connectBus(name: string): Promise<{ bus: Bus; close(): Promise<void> }> {
  const nats = await startPrivateNats(logger);
  const nc = await connectNats({ url: nats.url, name, logger });
  return {
    bus: new Bus(nc, logger),
    async close() {
      await nc.drain();
      await nats.stop();
    },
  };
}

/**
 * Plays the platform's side of activation: single-use keys, and one gateway per machineId. The
 * test's keys are random, so a stray responder elsewhere cannot accept them by accident.
 */
export class FakePlatform {
  readonly keys = new Map<string, "unused" | "used">();
  /** Keeps only the hash of each box's token, as the platform does. */
  readonly gateways = new Map<string, { id: string; gwId: string; machineId: string; tokenHash: string }>();
  constructor(readonly bus: Bus) {}

  issueKey(): string {
    const key = `key-${randomBytes(8).toString("hex")}`;
    this.keys.set(key, "unused");
    return key;
  }

  answerActivation(): { unsubscribe(): void } {
    return this.bus.reply(gatewayActivate, undefined, (req) => {
      if (this.keys.get(req.key) !== "unused") throw new BusHandlerError("gateway_key_invalid", "gateway key missing, unknown or used");
      if ([...this.gateways.values()].some((g) => g.machineId === req.boxInfo.machineId)) {
        throw new BusHandlerError("gateway_already_activated", "this box is already a gateway");
      }
      this.keys.set(req.key, "used");
      const token = randomBytes(24).toString("hex");
      const gateway = { id: randomUUID(), gwId: randomBytes(16).toString("hex"), machineId: req.boxInfo.machineId };
      this.gateways.set(gateway.gwId, { ...gateway, tokenHash: hashGatewaySecret(token) });
      return { ...gateway, clusterId: "cluster-test", createdAt: Date.now(), credentials: { token } };
    });
  }

  /** Whether a report carries the signature of the box this platform gave its gwId to. */
  signedByBox(contract: GatewayReportContract, report: GatewayReportFields): boolean {
    const gateway = this.gateways.get(report.gwId);
    return gateway !== undefined && gatewayReportSigned(contract, gateway.tokenHash, report);
  }
}

export interface TestBox {
  stateDir: string;
  identity: IdentityStore;
  registry: DeviceRegistry;
  devices: DeviceManager;
  streams: StreamManager;
  meter: UpFlowMeter;
  agent: GatewayAgent;
}

export async function makeBox(
  bus: Bus,
  key: string | undefined,
  stateDir = mkdtempSync(join(tmpdir(), "edge-box-")),
  upgrader?: Upgrader,
  restartDelayMs: (attempt: number) => number = () => 200,
  /** What the box reports as installed (main.ts reads it from the version store). */
  versions: () => Record<string, string> = () => ({ "edge-agent": "0.1.0" }),
): Promise<TestBox> {
  const identity = new IdentityStore(stateDir);
  const registry = new DeviceRegistry(join(stateDir, "devices.json"));
  await registry.load();
  const meter = new UpFlowMeter();
  const streams = new StreamManager({ ffmpegPath: "/usr/bin/ffmpeg", logger, onBytes: (b) => meter.add(b), restartDelayMs });
  const holder: { agent?: GatewayAgent } = {};
  const devices = new DeviceManager(registry, logger, {
    changed: () => holder.agent?.publishDevices(),
    removing: async (device) => holder.agent?.releaseDevice(device),
  });
  const agent = new GatewayAgent({
    bus,
    identity,
    registry,
    devices,
    streams,
    meter,
    upgrader,
    logger,
    gatewayKey: key,
    hostname: "store-a-box",
    heartbeatIntervalMs: 300,
    versions,
    activationRetryMs: 200,
  });
  holder.agent = agent;
  return { stateDir, identity, registry, devices, streams, meter, agent };
}
