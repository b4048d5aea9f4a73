import { hostname } from "node:os";
import { join } from "node:path";
import { startServiceShell } from "@ivc/runtime";
import { edgeAgentEnv, stateDirOf } from "./config.js";
import { DeviceManager } from "./devices/device-manager.js";
import { DeviceRegistry } from "./devices/device-registry.js";
import { GatewayAgent, type AgentState } from "./gateway-agent.js";
import { IdentityStore } from "./identity-store.js";
import { startLocalHttp } from "./local-http.js";
import { loadReleasePublicKey } from "./release/release-keys.js";
import { StreamManager } from "./streams/stream-manager.js";
import { UpFlowMeter } from "./upflow-meter.js";
import { ServiceTree } from "./upgrade/service-tree.js";
import { Upgrader } from "./upgrade/upgrader.js";
import { VersionStore } from "./upgrade/version-store.js";

const SERVICE = "edge-agent";
const VERSION = "0.1.0";

const shell = await startServiceShell({ service: SERVICE, version: VERSION, env: edgeAgentEnv, redis: false });
const { config, logger, lifecycle, health } = shell;
const stateDir = stateDirOf(config);

const identity = new IdentityStore(stateDir);
const registry = new DeviceRegistry(join(stateDir, "devices.json"));
await registry.load();
const meter = new UpFlowMeter();
const streams = new StreamManager({ ffmpegPath: config.FFMPEG_PATH, logger, onBytes: (bytes) => meter.add(bytes) });
// The callbacks below run only after `gateway` exists (nothing is added or upgraded before start).
const devices: DeviceManager = new DeviceManager(registry, logger, { changed: () => gateway.publishDevices(), removing: (device) => gateway.releaseDevice(device) });

let installedVersions: Record<string, string> = { [SERVICE]: VERSION };
let upgrader: Upgrader | undefined;
if (config.EDGE_RELEASE_ROOT && config.EDGE_RELEASE_PUBLIC_KEY) {
  const store = new VersionStore(config.EDGE_RELEASE_ROOT);
  const tree = new ServiceTree({ baseDir: store.currentLink, env: process.env, logger });
  const refreshVersions = async (): Promise<void> => {
    const current = await store.currentVersion();
    const manifest = current ? await store.manifestOf(current) : undefined;
    if (manifest) installedVersions = Object.fromEntries(Object.entries(manifest.services).map(([name, s]) => [name, s.version]));
  };
  upgrader = new Upgrader({
    store,
    tree,
    releasePublicKey: loadReleasePublicKey(config.EDGE_RELEASE_PUBLIC_KEY),
    logger,
    selfName: SERVICE,
    healthTimeoutMs: config.UPGRADE_HEALTH_TIMEOUT,
    settleMs: config.UPGRADE_SETTLE,
    maxBundleBytes: config.UPGRADE_MAX_BYTES,
    downloadTimeoutMs: 10 * 60_000,
    onStatus: (state) => {
      gateway.publishUpgradeStatus(state);
      if (state.state === "succeeded" || state.state === "rolled-back") void refreshVersions();
    },
    // systemd (Restart=always) starts the agent again, now from the new `current`.
    onSelfChanged: () => void lifecycle.shutdown(0),
  });
  await upgrader.startInstalled();
  await refreshVersions();
  lifecycle.onClose("box-services", () => tree.stopAll());
  // Up and connected for a settle period: a pending switch to this agent version is final.
  const commitTimer = setTimeout(() => void store.commitSelfPending(), config.UPGRADE_SETTLE);
  lifecycle.onClose("self-commit", () => clearTimeout(commitTimer));
} else {
  logger.warn("EDGE_RELEASE_ROOT or EDGE_RELEASE_PUBLIC_KEY unset: this box cannot be upgraded remotely");
}

const gateway: GatewayAgent = new GatewayAgent({
  bus: shell.bus,
  identity,
  registry,
  devices,
  streams,
  meter,
  upgrader,
  logger,
  gatewayKey: config.GATEWAY_KEY,
  hostname: hostname(),
  heartbeatIntervalMs: config.HEARTBEAT_INTERVAL,
  versions: () => installedVersions,
});

function describe(state: AgentState): string {
  switch (state.kind) {
    case "starting":
      return "activating";
    case "not-activated":
      return state.reason;
    case "activated":
      return `activated as gateway ${state.identity.gwId} (cluster ${state.identity.clusterId})`;
    case "revoked":
      return `revoked (${state.reason}): set a new GATEWAY_KEY`;
  }
}
// Not being activated is a state to show, not a failure: the box must stay reachable to be set up.
health.register("gateway", () => ({ ok: true, detail: describe(gateway.state) }));

const http = await startLocalHttp(config.EDGE_HTTP_PORT, config.EDGE_HTTP_BIND, {
  ops: shell,
  devices,
  status: () => describe(gateway.state),
  discoveryTarget: config.ONVIF_DISCOVERY_ADDRESS,
});
lifecycle.onClose("local-http", () => new Promise((resolve) => http.close(resolve)));

const probeTimer = setInterval(() => void devices.probeAll().catch((err: unknown) => logger.warn({ err }, "device probe failed")), config.DEVICE_PROBE_INTERVAL);
lifecycle.onClose("device-probe", () => clearInterval(probeTimer));
lifecycle.onClose("gateway", () => gateway.close());

void gateway.start();
logger.info({ httpPort: config.EDGE_HTTP_PORT, stateDir }, "edge-agent ready");
