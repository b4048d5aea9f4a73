import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { channelChanged, deviceCatalog, deviceCredentials, deviceInfo, deviceOffline, deviceOnline, type Bus, type offlineReasons } from "@ivc/bus";
import type { CatalogItem, ManscdpMessage } from "@ivc/gb28181";
import { DEFAULT_UTC_OFFSET, parseUtcOffset, Registry, type HealthRegistry, type Logger } from "@ivc/runtime";
import { createDigestNonceIssuer, DEFAULT_TIMER_CONFIG, type TimerConfig } from "@ivc/sip";
import { advertisedHost } from "./advertised-host.js";
import { AuthFailureBackoff, type AuthBackoffOptions } from "./auth-backoff.js";
import { serveBusApi } from "./bus-api.js";
import { CatalogCollector } from "./catalog-collector.js";
import { CatalogSubscriptions } from "./catalog-subscriptions.js";
import { sortCatalog, toCatalogChannel } from "./channel-mapping.js";
import { systemClock, type Clock } from "./clock.js";
import { SIP_PROTECTION_DEFAULTS, type SipServerConfig } from "./config.js";
import { DeviceCredentialsCache, type DeviceCacheOptions } from "./device-cache.js";
import { DeviceControls } from "./device-controls.js";
import { DeviceListQueries } from "./device-list-queries.js";
import { DeviceMessages } from "./device-messages.js";
import { DeviceQueries } from "./device-queries.js";
import { DeviceRequester } from "./device-requester.js";
import { localUtcOffsetMinutes } from "./gb-date.js";
import { LivenessMonitor } from "./liveness-monitor.js";
import { ChannelIndex } from "./channel-index.js";
import { MediaDialogStore } from "./media-dialog-store.js";
import { MediaSessions } from "./media-sessions.js";
import { createSipServerMetrics } from "./metrics.js";
import { MobilePositions } from "./mobile-positions.js";
import { RegisterHandler } from "./register-handler.js";
import { RegistrationStore, type Registration } from "./registration-store.js";
import { SipEndpoint, type IncomingSipRequest } from "./sip-endpoint.js";
import { SnCounter } from "./sn-counter.js";
import { SourceRateLimit } from "./source-rate-limit.js";

/** Knobs with production defaults; tests shorten them. */
export interface SipServerTuning {
  /** Wait for the API's deviceCredentials answer before a REGISTER gets 503. */
  credentialsTimeoutMs: number;
  /** Wait for a device's DeviceInfo/DeviceStatus answer before a bus request fails with sip_timeout. */
  queryTimeoutMs: number;
  /** How often the shared deadline set is scanned. */
  scanIntervalMs: number;
  subscribeExpiresSeconds: number;
  retryAfterSeconds: number;
  backoff: AuthBackoffOptions;
  credentialsCache: DeviceCacheOptions;
  /** UTC offset for the REGISTER Date header; the host's when absent. */
  utcOffsetMinutes: number | undefined;
  transactionTimers: Partial<TimerConfig> | undefined;
  /**
   * Wait for a device's final answer to an INVITE; below the relay's play timeout (18 s) so the
   * viewer hears "sip_timeout" rather than a bus timeout.
   */
  inviteTimeoutMs: number;
  /** Idle time after a RecordInfo/PresetQuery or its latest part before answering with what arrived (partial). */
  listAnswerTimeoutMs: number;
  /** After the 200 OK to a DeviceControl, wait this long for its Result before taking the 200 as success. */
  controlResultWaitMs: number;
}

const DEFAULT_TUNING: SipServerTuning = {
  credentialsTimeoutMs: 2000,
  queryTimeoutMs: 4000,
  scanIntervalMs: 1000,
  subscribeExpiresSeconds: 3600,
  retryAfterSeconds: 30,
  backoff: {},
  credentialsCache: {},
  utcOffsetMinutes: undefined,
  transactionTimers: undefined,
  inviteTimeoutMs: 15_000,
  listAnswerTimeoutMs: 4000,
  controlResultWaitMs: 300,
};

const DEFAULT_PTZ_PULSE_MS = 500;

export interface SipServerDeps {
  config: SipServerConfig;
  clusterId: string;
  logger: Logger;
  bus: Bus;
  redis: Redis;
  clock?: Clock;
  /** Where the metrics go (the shell's registry); a private one when absent. */
  metrics?: Registry;
  health?: HealthRegistry;
  tuning?: Partial<SipServerTuning>;
}

export interface SipServer {
  readonly port: number;
  readonly host: string;
  /** Sizes of what this instance holds in memory, by structure (leak checks, bench/sip/churn.mjs). */
  retained(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * The GB28181 signaling server: REGISTER with digest, keepalive deadlines, catalog and device
 * info after registering, catalog subscriptions, live/playback INVITE and BYE for the media
 * relay, and the NATS request API. All state that must
 * outlive the process is in Redis; `close()` stops this instance without touching it.
 */
export async function startSipServer(deps: SipServerDeps): Promise<SipServer> {
  const { config, clusterId, logger, bus, redis } = deps;
  const clock = deps.clock ?? systemClock;
  const tuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const keepaliveWindowMs = config.KEEPALIVE_INTERVAL * config.KEEPALIVE_MISSES;
  const store = new RegistrationStore(redis, clusterId, keepaliveWindowMs);
  const sn = new SnCounter(store);
  const metrics = createSipServerMetrics(deps.metrics ?? new Registry(), () => store.count());
  const now = () => clock.now();

  const cache = new DeviceCredentialsCache((deviceId) => bus.request(deviceCredentials, { clusterId }, { deviceId }, { timeoutMs: tuning.credentialsTimeoutMs }), clock, tuning.credentialsCache);
  const backoff = new AuthFailureBackoff(clock, tuning.backoff);
  const protection = { ...SIP_PROTECTION_DEFAULTS, ...definedOnly(config) };
  const unknownBackoff = new AuthFailureBackoff(clock, { maxFailures: protection.SIP_UNKNOWN_DEVICE_LIMIT });
  const registerRate = new SourceRateLimit(clock, { ratePerSecond: protection.SIP_REGISTER_RATE, burst: protection.SIP_REGISTER_BURST });
  const throttleNotices = new SourceRateLimit(clock, { ratePerSecond: 1, burst: 1 });
  const nonces = createDigestNonceIssuer({ secret: await nonceSecret(redis, clusterId), now });

  // Until every handler below exists, requests are turned away (devices retry after Retry-After).
  let dispatch = (incoming: IncomingSipRequest): Promise<void> | void => incoming.respond(503, { headers: [["Retry-After", "5"]] });
  const route = async (incoming: IncomingSipRequest): Promise<void> => {
    switch (incoming.request.method) {
      case "REGISTER":
        return registerHandler.handle(incoming);
      case "MESSAGE":
        return messages.handleMessage(incoming);
      case "NOTIFY":
        return messages.handleNotify(incoming);
      case "BYE":
        return media.handleBye(incoming);
      case "OPTIONS":
        return incoming.respond(200, { headers: [["Allow", ALLOW]] });
      default:
        return incoming.respond(405, { headers: [["Allow", ALLOW]] });
    }
  };
  const endpoint = await SipEndpoint.start(
    {
      bindAddress: config.SIP_BIND,
      port: config.SIP_PORT,
      host: advertisedHost(config.SIP_HOST, config.SIP_BIND),
      logger,
      ...(tuning.transactionTimers ? { timerConfig: tuning.transactionTimers } : {}),
      tcpLimits: {
        maxConnections: protection.SIP_TCP_MAX_CONNECTIONS,
        maxConnectionsPerAddress: protection.SIP_TCP_MAX_PER_ADDRESS,
        messageTimeoutMs: protection.SIP_TCP_MESSAGE_TIMEOUT,
        maxDatagramsPerAddressPerSecond: protection.SIP_UDP_RATE,
      },
      // Over its REGISTER rate, a source hears one 503 a second (so a device behind that NAT learns
      // to wait); the rest is dropped unanswered, which is all a flood deserves.
      admit: (request, remote) => {
        if (request.method !== "REGISTER" || registerRate.take(remote.address)) return "admit";
        metrics.registerOutcomes.inc({ result: "throttled" });
        return throttleNotices.take(remote.address) ? { retryAfterSeconds: 5 } : "drop";
      },
    },
    (incoming) => dispatch(incoming),
  );
  const requester = new DeviceRequester(endpoint, { serverId: config.SIP_ID, domain: config.SIP_DOMAIN });
  const channels = new ChannelIndex(redis, clusterId, store);
  const media = new MediaSessions({
    bus,
    clusterId,
    serverId: config.SIP_ID,
    endpoint,
    requester,
    registrations: store,
    dialogs: new MediaDialogStore(redis, clusterId),
    channels,
    clock,
    logger,
    inviteTimeoutMs: tuning.inviteTimeoutMs,
    ackRetainMs: 64 * (tuning.transactionTimers?.t1 ?? DEFAULT_TIMER_CONFIG.t1),
  });
  const endCalls = (deviceId: string, reason: string) => {
    media.endDevice(deviceId, reason).catch((err: unknown) => logger.warn({ deviceId, err: describe(err) }, "ending the device's calls failed"));
  };

  const catalog = new CatalogCollector({
    timeoutMs: config.CATALOG_TIMEOUT,
    clock,
    logger,
    metrics,
    onCatalog: (result) => {
      const sorted = sortCatalog(result.items);
      const owned = sorted.channels.map((item) => item.deviceId);
      channels.record(result.deviceId, owned).catch((err: unknown) => logger.warn({ deviceId: result.deviceId, err: describe(err) }, "recording channel owners failed"));
      bus.publish(deviceCatalog, {
        clusterId,
        deviceId: result.deviceId,
        sumNum: result.sumNum ?? result.items.length,
        partial: result.partial,
        channels: sorted.channels.map(toCatalogChannel),
        directories: sorted.directories,
        at: now(),
      });
      logger.info(
        { deviceId: result.deviceId, sn: result.sn, channels: sorted.channels.length, directories: sorted.directories.length, partial: result.partial },
        "catalog published",
      );
    },
  });
  const queries = new DeviceQueries(requester, sn, catalog, tuning.queryTimeoutMs);
  const deviceUtcOffsetMinutes = parseUtcOffset(config.DEVICE_TIME_ZONE ?? DEFAULT_UTC_OFFSET);
  if (deviceUtcOffsetMinutes === undefined) throw new Error(`DEVICE_TIME_ZONE is not a UTC offset: ${config.DEVICE_TIME_ZONE}`);
  const lists = new DeviceListQueries({ requester, sn, clock, timeoutMs: tuning.listAnswerTimeoutMs, deviceUtcOffsetMinutes });
  const controls = new DeviceControls({ requester, sn, logger, resultWaitMs: tuning.controlResultWaitMs });
  const subscriptions = new CatalogSubscriptions({
    expiresSeconds: tuning.subscribeExpiresSeconds,
    requester,
    endpoint,
    sn,
    logger,
    currentRegistration: (deviceId) => store.get(deviceId),
  });

  const goOffline = (deviceId: string, reason: OfflineReason) => {
    bus.publish(deviceOffline, { clusterId, deviceId, reason, at: now() });
    subscriptions.stop(deviceId);
    queries.cancelDevice(deviceId);
    lists.cancelDevice(deviceId);
    endCalls(deviceId, `device offline (${reason})`);
    channels.forgetDevice(deviceId).catch((err: unknown) => logger.warn({ deviceId, err: describe(err) }, "forgetting the device's channels failed"));
    logger.info({ deviceId, reason }, "device offline");
  };

  const afterRegister = async (registration: Registration) => {
    const log = logger.child({ deviceId: registration.deviceId });
    queries.deviceInfo(registration).catch((err: unknown) => log.warn({ err: describe(err) }, "DeviceInfo query after REGISTER failed"));
    await queries.requestCatalog(registration).catch((err: unknown) => log.warn({ err: describe(err) }, "Catalog query after REGISTER failed"));
    await subscriptions.subscribe(registration);
  };

  const registerHandler = new RegisterHandler({
    clusterId,
    realm: config.SIP_DOMAIN,
    clock,
    nonces,
    cache,
    backoff,
    unknownBackoff,
    onAuthenticated: (remote) => endpoint.trust(remote),
    store,
    metrics,
    utcOffsetMinutes: () => tuning.utcOffsetMinutes ?? localUtcOffsetMinutes(now()),
    retryAfterSeconds: tuning.retryAfterSeconds,
    onRegistered: (registration, isNew) => {
      const { deviceId, transport, address, port, expiresSeconds } = registration;
      if (isNew) {
        // A new Call-ID means the device restarted: the calls it had are gone on its side.
        endCalls(deviceId, "device restarted");
        bus.publish(deviceOnline, { clusterId, deviceId, transport, remoteAddress: address, remotePort: port, expiresSeconds, at: now() });
        void afterRegister(registration);
      } else if (!subscriptions.has(deviceId)) {
        void subscriptions.subscribe(registration);
      }
    },
    onUnregistered: (deviceId) => goOffline(deviceId, "unregistered"),
  });

  const positions = new MobilePositions(redis, bus, clusterId);
  const onManscdp = (deviceId: string, message: ManscdpMessage, callId: string | undefined) => {
    queries.accept(deviceId, message);
    if (controls.accept(deviceId, message) || lists.accept(deviceId, message)) return;
    if (message.kind === "Notify" && message.cmdType === "MediaStatus" && message.notifyType === "121") {
      media.endOfFile(deviceId, callId, message.deviceId).catch((err: unknown) => logger.warn({ deviceId, err: describe(err) }, "ending a finished playback failed"));
    } else if (message.kind === "Notify" && message.cmdType === "MobilePosition") {
      positions.record(deviceId, message, now()).catch((err: unknown) => logger.warn({ deviceId, channelId: message.deviceId, err: describe(err) }, "storing a mobile position failed"));
    } else if (message.kind === "Response" && message.cmdType === "Catalog") {
      catalog.add(deviceId, message.sn, { items: message.items, ...(message.sumNum === undefined ? {} : { sumNum: message.sumNum }) });
    } else if (message.kind === "Response" && message.cmdType === "DeviceInfo" && message.deviceId === deviceId) {
      bus.publish(deviceInfo, {
        clusterId,
        deviceId,
        at: now(),
        ...(message.manufacturer === undefined ? {} : { manufacturer: message.manufacturer }),
        ...(message.model === undefined ? {} : { model: message.model }),
        ...(message.firmware === undefined ? {} : { firmware: message.firmware }),
        ...(message.channel === undefined ? {} : { channelCount: message.channel }),
      });
    }
  };
  const onCatalogChanges = (deviceId: string, changed: readonly CatalogItem[]) => {
    // A NOTIFY about a directory entry (a virtual organization renamed) changes no channel.
    const items = sortCatalog(changed).channels;
    const added = items.filter((item) => item.event === "ADD").map((item) => item.deviceId);
    const deleted = items.filter((item) => item.event === "DEL").map((item) => item.deviceId);
    const indexed = Promise.all([channels.record(deviceId, added), ...deleted.map((channelId) => channels.forget(deviceId, channelId))]);
    indexed.catch((err: unknown) => logger.warn({ deviceId, err: describe(err) }, "updating channel owners failed"));
    for (const item of items) {
      bus.publish(channelChanged, { clusterId, deviceId, event: item.event ?? "UPDATE", channel: toCatalogChannel(item), at: now() });
    }
  };
  const messages = new DeviceMessages({ clock, store, metrics, onManscdp, onCatalogChanges, dialogDevice: async (request) => (await media.dialogOf(request))?.deviceId });

  // Every instance drops its cached credentials; the atomic remove lets one of them report offline.
  const onDeviceChanged = async (deviceId: string, change: "upserted" | "deleted") => {
    cache.invalidate(deviceId);
    if (!(await store.exists(deviceId))) return;
    const credentials = change === "deleted" ? { found: false as const } : await cache.get(deviceId);
    const reason = !credentials.found ? "deleted" : !credentials.enabled ? "disabled" : undefined;
    if (reason && (await store.remove(deviceId))) goOffline(deviceId, reason);
  };
  const busSubscriptions = serveBusApi({
    bus,
    clusterId,
    store,
    queries,
    media,
    channels,
    controls,
    lists,
    ptzPulseMs: config.PTZ_PULSE ?? DEFAULT_PTZ_PULSE_MS,
    onDeviceChanged: (deviceId, change) => {
      onDeviceChanged(deviceId, change).catch((err: unknown) => logger.warn({ deviceId, err: describe(err) }, "applying a device change failed"));
    },
  });

  const liveness = new LivenessMonitor({
    store,
    redis,
    namespace: clusterId,
    clock,
    logger,
    scanIntervalMs: tuning.scanIntervalMs,
    onExpired: ({ deviceId, reason }) => goOffline(deviceId, reason),
  });
  await liveness.start();
  dispatch = route;
  deps.health?.register("sip", () => endpoint.state);
  logger.info({ sipPort: endpoint.port, host: endpoint.host, clusterId, realm: config.SIP_DOMAIN }, "SIP listener ready");

  return {
    port: endpoint.port,
    host: endpoint.host,
    retained: () => ({
      ...endpoint.retained,
      queryWaiters: queries.pending,
      catalogAssemblies: catalog.pending,
      ...lists.retained,
      ...controls.retained,
      ...media.retained,
      catalogSubscriptions: subscriptions.size,
      authBackoffRecords: backoff.size,
      unknownBackoffRecords: unknownBackoff.size,
      registerRateBuckets: registerRate.size + throttleNotices.size,
      ...cache.retained,
    }),
    async close() {
      await liveness.stop();
      for (const subscription of busSubscriptions) subscription.unsubscribe();
      subscriptions.close();
      catalog.close();
      queries.close();
      lists.close();
      await controls.close();
      media.close();
      await endpoint.close();
    },
  };
}

const ALLOW = "REGISTER, MESSAGE, NOTIFY, OPTIONS, BYE, ACK";

type OfflineReason = (typeof offlineReasons)[number];

/**
 * The digest nonce key, shared through Redis so a nonce issued by one instance (or before a
 * restart) is accepted by another.
 */
async function nonceSecret(redis: Redis, namespace: string): Promise<string> {
  const key = `ivc:sip:${namespace}:nonce-secret`;
  await redis.set(key, randomBytes(32).toString("hex"), "NX");
  return (await redis.get(key)) ?? "";
}

/** The protection settings the caller set (a config built in code may leave them out). */
function definedOnly(config: SipServerConfig): Partial<typeof SIP_PROTECTION_DEFAULTS> {
  const keys = Object.keys(SIP_PROTECTION_DEFAULTS) as Array<keyof typeof SIP_PROTECTION_DEFAULTS>;
  return Object.fromEntries(keys.filter((key) => config[key] !== undefined).map((key) => [key, config[key]]));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
