import {
  BusHandlerError,
  gatewayActivate,
  gatewayDeviceAdd,
  gatewayDeviceList,
  gatewayDeviceRemove,
  gatewayDevices,
  gatewayHeartbeat,
  gatewayPtz,
  gatewayRevoked,
  gatewayStreamStart,
  gatewayStreamStop,
  gatewayUpgrade,
  gatewayUpgradeStatus,
  hashGatewaySecret,
  isBusError,
  signGatewayReport,
  type Bus,
  type GatewayUpgradeState,
} from "@ivc/bus";
import type { Logger } from "@ivc/runtime";
import { DeviceError, type DeviceManager } from "./devices/device-manager.js";
import { publicDevice, type DeviceRegistry, type StoredDevice } from "./devices/device-registry.js";
import { keyHashOf, type GatewayIdentity, type IdentityStore } from "./identity-store.js";
import { runPtz } from "./ptz-commands.js";
import { PtzPulses } from "./ptz-pulses.js";
import type { StreamManager } from "./streams/stream-manager.js";
import type { UpFlowMeter } from "./upflow-meter.js";
import { UpgradeInProgressError, type Upgrader } from "./upgrade/upgrader.js";
import { withCredentials } from "./vendor-rtsp.js";

export type AgentState =
  | { kind: "starting" }
  | { kind: "not-activated"; reason: string }
  | { kind: "activated"; identity: GatewayIdentity }
  | { kind: "revoked"; gwId: string; reason: string };

export interface GatewayAgentOptions {
  bus: Bus;
  identity: IdentityStore;
  registry: DeviceRegistry;
  devices: DeviceManager;
  streams: StreamManager;
  meter: UpFlowMeter;
  upgrader: Upgrader | undefined;
  logger: Logger;
  gatewayKey: string | undefined;
  hostname: string;
  heartbeatIntervalMs: number;
  /** Installed version per box service (G2 `Version[]`). */
  versions: () => Record<string, string>;
  /** Wait before asking again when the platform does not answer activation. */
  activationRetryMs?: number;
}

interface Closable {
  unsubscribe(): void;
}

/** What the box signs its reports with: its token's hash, the form the platform keeps (contracts/gateway.ts). */
function reportKey(identity: GatewayIdentity): string {
  return hashGatewaySecret(identity.credentials.token);
}

/**
 * The box's life with the platform: activate once, then heartbeat, answer the platform's requests
 * on `ivc.gw.<gwId>.*` and report devices and upgrades — until the platform revokes it, after
 * which it forgets its identity and does nothing until given a new key.
 */
export class GatewayAgent {
  private current: AgentState = { kind: "starting" };
  private lastReportAt = 0;
  private wakeActivation: (() => void) | undefined;
  private subscriptions: Closable[] = [];
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly pulses = new PtzPulses();
  private closed = false;

  constructor(private readonly options: GatewayAgentOptions) {}

  get state(): AgentState {
    return this.current;
  }

  /** What the agent holds in memory, for leak checks: each must return to its start size. */
  retained(): Record<string, number> {
    return { streams: this.options.streams.running().length, devices: this.options.registry.list().length, ptzPendingStops: this.pulses.size };
  }

  /** Resolves once activated or refused; while the platform is unreachable it keeps retrying. */
  async start(): Promise<AgentState> {
    const identity = await this.activate();
    if (identity && !this.closed) this.goOnline(identity);
    return this.current;
  }

  async close(): Promise<void> {
    this.closed = true;
    // An activation waiting to retry (up to 60 s) ends now rather than keep the process alive.
    this.wakeActivation?.();
    this.goOffline();
    await this.options.streams.stopAll();
  }

  /** Publishes the monitor figures now (the timer calls this every interval). */
  heartbeat(): void {
    if (this.current.kind !== "activated") return;
    const { identity } = this.current;
    const { registry, meter, upgrader, versions } = this.options;
    const counts = registry.counts();
    this.options.bus.publish(
      gatewayHeartbeat,
      signGatewayReport(gatewayHeartbeat, reportKey(identity), {
        gwId: identity.gwId,
        upFlowKbps: meter.takeKbps(),
        devices: counts.devices,
        channels: counts.channels,
        versions: versions(),
        upgrade: upgrader?.state ?? { state: "idle", at: Date.now() },
        at: this.reportAt(),
      }),
    );
  }

  publishDevices(): void {
    if (this.current.kind !== "activated") return;
    const { identity } = this.current;
    const report = { gwId: identity.gwId, devices: this.options.registry.list().map(publicDevice), at: this.reportAt() };
    this.options.bus.publish(gatewayDevices, signGatewayReport(gatewayDevices, reportKey(identity), report));
  }

  publishUpgradeStatus(state: GatewayUpgradeState): void {
    if (this.current.kind !== "activated") return;
    const { identity } = this.current;
    this.options.bus.publish(gatewayUpgradeStatus, signGatewayReport(gatewayUpgradeStatus, reportKey(identity), { ...state, gwId: identity.gwId }));
  }

  /** Report times never repeat: the platform refuses a report not newer than the last it took. */
  private reportAt(): number {
    this.lastReportAt = Math.max(Date.now(), this.lastReportAt + 1);
    return this.lastReportAt;
  }

  private notActivated(reason: string): undefined {
    this.current = { kind: "not-activated", reason };
    this.options.logger.warn(reason);
    return undefined;
  }

  private async activate(): Promise<GatewayIdentity | undefined> {
    const { identity, gatewayKey, bus, logger } = this.options;
    const stored = await identity.read();
    if (stored) {
      logger.info({ gwId: stored.gwId, clusterId: stored.clusterId }, "activated earlier; using the stored identity");
      return stored;
    }
    if (!gatewayKey) return this.notActivated("not activated: set GATEWAY_KEY");
    const keyHash = keyHashOf(gatewayKey);
    const revoked = await identity.revocation();
    if (revoked && revoked.keyHash === keyHash) {
      return this.notActivated(`not activated: gateway ${revoked.gwId} was revoked; set a new GATEWAY_KEY`);
    }
    const boxInfo = { hostname: this.options.hostname, machineId: await identity.machineId(), versions: this.options.versions() };
    let retryMs = this.options.activationRetryMs ?? 2000;
    while (!this.closed) {
      try {
        const reply = await bus.request(gatewayActivate, undefined, { key: gatewayKey, boxInfo }, { timeoutMs: 10_000 });
        const activated: GatewayIdentity = { ...reply, keyHash };
        await identity.save(activated);
        logger.info({ gwId: reply.gwId, clusterId: reply.clusterId, id: reply.id }, "gateway activated");
        return activated;
      } catch (err) {
        if (isBusError(err, "remote") && err.remoteCode === "gateway_key_invalid") {
          return this.notActivated("not activated: the platform refused GATEWAY_KEY (41631: missing, wrong, expired or already used)");
        }
        if (isBusError(err, "remote") && err.remoteCode === "gateway_already_activated") {
          return this.notActivated("not activated: the platform already has a gateway for this box (41632); delete it there or restore the box's identity");
        }
        logger.warn({ err: err instanceof Error ? err.message : String(err), retryInMs: retryMs }, "activation got no answer from the platform; retrying");
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, retryMs);
          this.wakeActivation = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wakeActivation = undefined;
        retryMs = Math.min(retryMs * 2, 60_000);
      }
    }
    return undefined;
  }

  private goOnline(identity: GatewayIdentity): void {
    const { bus } = this.options;
    this.current = { kind: "activated", identity };
    const gw = { gwId: identity.gwId };
    this.subscriptions = [
      bus.subscribe(gatewayRevoked, (event) => (event.gwId === identity.gwId ? this.revoke(event.reason ?? "revoked by the platform") : undefined)),
      bus.reply(gatewayUpgrade, gw, (req) => this.upgrade(req.version, req.bundleUrl)),
      bus.reply(gatewayDeviceAdd, gw, async (req) => publicDevice(await this.guard(() => this.options.devices.add(req)))),
      bus.reply(gatewayDeviceRemove, gw, async (req) => ({ removed: await this.options.devices.remove(req.id) })),
      bus.reply(gatewayDeviceList, gw, () => ({ devices: this.options.registry.list().map(publicDevice) })),
      bus.reply(gatewayStreamStart, gw, (req) => ({ started: this.startStream(req.channelId, req.pushUrl) })),
      bus.reply(gatewayStreamStop, gw, async (req) => ({ stopped: await this.options.streams.stop(req.channelId) })),
      bus.reply(gatewayPtz, gw, (req) => this.guard(() => runPtz(this.options.registry, this.options.devices, this.pulses, req))),
    ];
    this.heartbeatTimer = setInterval(() => this.heartbeat(), this.options.heartbeatIntervalMs);
    this.heartbeat();
    this.publishDevices();
  }

  private goOffline(): void {
    for (const sub of this.subscriptions) sub.unsubscribe();
    this.subscriptions = [];
    clearInterval(this.heartbeatTimer);
    this.pulses.stopAll();
  }

  private async revoke(reason: string): Promise<void> {
    if (this.current.kind !== "activated") return;
    const { identity } = this.current;
    this.goOffline();
    this.current = { kind: "revoked", gwId: identity.gwId, reason };
    this.options.logger.error({ gwId: identity.gwId, reason }, "gateway revoked by the platform: identity wiped, streams stopped; set a new GATEWAY_KEY to activate again");
    await this.options.streams.stopAll();
    await this.options.identity.revoke({ gwId: identity.gwId, keyHash: identity.keyHash, reason, at: Date.now() });
  }

  private upgrade(version: string, bundleUrl: string): { accepted: true } {
    const { upgrader } = this.options;
    if (!upgrader) throw new BusHandlerError("gateway_operation_failed", "this box has no EDGE_RELEASE_ROOT/EDGE_RELEASE_PUBLIC_KEY: it cannot upgrade");
    try {
      void upgrader.begin(version, bundleUrl);
    } catch (err) {
      if (err instanceof UpgradeInProgressError) throw new BusHandlerError("upgrade_in_progress", err.message);
      throw err;
    }
    return { accepted: true };
  }

  /** Ends what runs for a device about to be removed: its pushes, and its pending PTZ Stops (sent now). */
  async releaseDevice(device: StoredDevice): Promise<void> {
    for (const { channelId } of device.channels) {
      this.pulses.stopNow(channelId);
      await this.options.streams.stop(channelId);
    }
  }

  private startStream(channelId: string, pushUrl: string): boolean {
    const found = this.options.registry.findChannel(channelId);
    if (!found?.channel.rtspUrl) throw new BusHandlerError("gateway_operation_failed", `channel ${channelId} is unknown or has no RTSP URL`);
    const input = withCredentials(found.channel.rtspUrl, found.device.user, found.device.password);
    return this.options.streams.start(channelId, input, pushUrl);
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof DeviceError) throw new BusHandlerError(err.code, err.message);
      throw err;
    }
  }
}
