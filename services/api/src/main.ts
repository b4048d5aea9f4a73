import { resolveCname } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { loadConfigOrExit, parseUtcOffset, reportStartupStage, startServiceShell } from "@ivc/runtime";
import type { ConfigOf } from "@ivc/runtime";
import { cachedKeyLookup } from "./accounts/key-cache.js";
import { adminSocketPath, serveAdminSocket } from "./cli/admin-socket.js";
import { parseArgs } from "./cli/args.js";
import { runCommand, USAGE } from "./cli/commands.js";
import { gatewayCommandEnv } from "./cli/gateway-commands.js";
import { findVerificationKey, seedKey } from "./accounts/keys.js";
import { loadMasterKey } from "./accounts/master-key.js";
import { createSecretBox } from "./accounts/secret-box.js";
import { answerDomainCertificates, createNatsDomainChanges } from "./bus/domain-certificates.js";
import { createNatsRetrievalChanges } from "./bus/retrieval-changes.js";
import { subscribeGateways } from "./bus/gateway-subscriptions.js";
import { createNatsChannelControl } from "./bus/nats-channel-control.js";
import { createNatsDeviceControl } from "./bus/nats-device-control.js";
import { createNatsGatewayControl } from "./bus/nats-gateway-control.js";
import { subscribeDeviceEvents } from "./bus/subscriptions.js";
import { forRelayRecorder, listDesiredRecordings } from "./recordings/desired-recordings.js";
import { serveRecordingBus } from "./recordings/recording-bus.js";
import { serveUploadBus } from "./recordings/upload-bus.js";
import { advertisedIpv4, apiEnv, serviceNodeFromConfig } from "./config.js";
import { openDatabase } from "./db/open.js";
import { createDeviceImportRunner } from "./device-files/import-runner.js";
import { uncheckedIcp } from "./domains/icp.js";
import { buildApp } from "./http/app.js";
import { createAuthenticator } from "./http/authenticate.js";
import { requestObserver } from "./http/request-metrics.js";
import { allRoutes } from "./routes/index.js";
import { registerReleaseDownload } from "./routes/release-download.js";
import { consoleDistDir, registerConsoleFiles } from "./http/console-files.js";
import { ensureServiceNode, mediaBaseOf } from "./store/service-nodes.js";
import { parseOnnxModels } from "@ivc/bus";
import { createNatsAiTaskNotices, serveAiBus } from "./ai/ai-bus.js";
import { CallbackDispatcher } from "./ai/callbacks.js";
import { createSnapshotUrls, snapshotUrlSecret } from "./ai/snapshot-urls.js";

const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** A revoked key keeps working at most this long on an instance that had just used it. */
const KEY_CACHE_TTL_MS = 5000;

/** The master key and the database (PGlite: WASM start, recovery; migrations), timed. */
async function openStore(config: ConfigOf<typeof apiEnv>) {
  const started = performance.now();
  const masterKey = await loadMasterKey(config.IVC_MASTER_KEY, config.IVC_MASTER_KEY_FILE ?? resolve(config.IVC_VAR_DIR, "master.key"));
  const box = createSecretBox(masterKey);
  const pgliteDir = config.PGLITE_DIR ?? resolve(config.IVC_VAR_DIR, "db");
  const database = await openDatabase(config.DATABASE_URL, { pgliteDir, box });
  return { box, snapshotUrls: createSnapshotUrls(snapshotUrlSecret(masterKey)), pgliteDir, database, openMs: Math.round(performance.now() - started) };
}

async function main(): Promise<void> {
  // Files made here (master key, the PGlite directory, the admin socket) are the owner's only (issue 11).
  process.umask(0o077);
  // The database opens while NATS connects: a restarted API waits for the slower of the two, not for both.
  const opening = openStore(loadConfigOrExit(apiEnv));
  opening.catch(() => undefined); // awaited below, where a failure is logged
  const shell = await startServiceShell({ service: "api", version: VERSION, env: apiEnv, redis: false });
  const shellMs = Math.round(performance.now());
  const { config, logger, lifecycle, bus, health, metrics } = shell;
  try {
    if ((config.IVC_SECRET_ID === undefined) !== (config.IVC_SECRET_KEY === undefined)) {
      throw new Error("configuration error: set both IVC_SECRET_ID and IVC_SECRET_KEY, or neither");
    }
    // NATS is up; the database may still be opening (on a loaded box PGlite can take a while).
    reportStartupStage(config.DATABASE_URL ? "opening the database (PostgreSQL) and applying migrations" : "opening the embedded database (PGlite) and applying migrations");
    const { box, snapshotUrls, pgliteDir, database, openMs } = await opening;
    lifecycle.onClose("database", () => database.close());
    health.register("database", async () => ({ ok: await database.ping(), detail: database.kind }));

    reportStartupStage("registering the service node");
    const node = await ensureServiceNode(database.db, serviceNodeFromConfig(config, shell.clusterId, advertisedIpv4()));
    logger.info({ clusterId: node.id, sipId: node.sipId, sipIp: node.sipIp, database: database.kind }, "service node ready");
    const keyDeps = { db: database.db, box };
    if (config.IVC_SECRET_ID !== undefined && config.IVC_SECRET_KEY !== undefined) {
      const created = await seedKey(keyDeps, config.IVC_APP_ID, config.IVC_SECRET_ID, config.IVC_SECRET_KEY);
      if (created) logger.info({ appId: config.IVC_APP_ID, secretId: config.IVC_SECRET_ID }, "seeded the first key");
    }

    if (database.kind === "pglite") {
      // This process alone holds the PGlite directory: `ivc` commands run here (cli/admin-socket.ts).
      const admin = await serveAdminSocket(adminSocketPath(pgliteDir), async (request) => {
        const args = parseArgs(request.argv);
        if (!args.ok) return { ok: false, reason: `${args.reason}\n${USAGE}` };
        logger.info({ command: `${args.value.group} ${args.value.action}` }, "ivc command through the admin socket");
        const gatewayEnv = gatewayCommandEnv(process.env);
        return runCommand(keyDeps, args.value, request.releasePublicKey ? { ...gatewayEnv, releasePublicKey: request.releasePublicKey } : gatewayEnv);
      });
      lifecycle.onClose("admin socket", () => admin.close());
    }

    const subscriptions = subscribeDeviceEvents(bus, database.db, box);
    lifecycle.onClose("subscriptions", () => subscriptions.forEach((s) => s.unsubscribe()));
    const gatewayControl = createNatsGatewayControl(bus, logger);
    const gatewaySubscriptions = subscribeGateways(bus, database.db, box, gatewayControl, { offlineAfterMs: config.GATEWAY_OFFLINE_AFTER, logger, metrics });
    lifecycle.onClose("gateway subscriptions", () => gatewaySubscriptions.forEach((s) => s.unsubscribe()));
    const certificateAnswers = answerDomainCertificates(bus, database.db, box, logger, "api");
    lifecycle.onClose("domain certificates", () => certificateAnswers.unsubscribe());
    const recordUtcOffsetMinutes = parseUtcOffset(config.RECORD_TIME_ZONE);
    if (recordUtcOffsetMinutes === undefined) throw new Error(`RECORD_TIME_ZONE is not a UTC offset: ${config.RECORD_TIME_ZONE}`);
    const recordingAnswers = serveRecordingBus(bus, {
      db: database.db,
      box,
      listDesiredRecordings: async (clusterId, now) => (await listDesiredRecordings(database.db, clusterId, now, recordUtcOffsetMinutes)).flatMap(forRelayRecorder),
    });
    lifecycle.onClose("recording requests", () => recordingAnswers.forEach((s) => s.unsubscribe()));
    const uploadAnswers = serveUploadBus(bus, {
      db: database.db,
      utcOffsetMinutes: recordUtcOffsetMinutes,
      limits: { perDevice: config.UPLOAD_PER_DEVICE, perSite: config.UPLOAD_PER_SITE },
    });
    lifecycle.onClose("upload requests", () => uploadAnswers.forEach((s) => s.unsubscribe()));
    const aiModels = { onnx: parseOnnxModels(config.AI_ONNX_MODELS) };
    const callbacks = new CallbackDispatcher({ secret: config.AI_CALLBACK_SECRET === undefined ? undefined : Buffer.from(config.AI_CALLBACK_SECRET), logger, metrics });
    lifecycle.onClose("ai callbacks", () => callbacks.close());
    const aiAnswers = serveAiBus(bus, {
      db: database.db,
      recordedChannels: async (clusterId, now) => (await listDesiredRecordings(database.db, clusterId, now, recordUtcOffsetMinutes)).filter((d) => forRelayRecorder(d).length > 0),
      callbacks,
      snapshotUrls,
      mediaBase: (clusterId) => mediaBaseOf(database.db, clusterId),
      utcOffsetMinutes: recordUtcOffsetMinutes,
    });
    lifecycle.onClose("ai requests", () => aiAnswers.forEach((s) => s.unsubscribe()));

    const deviceControl = createNatsDeviceControl(bus, logger);
    const deviceImports = createDeviceImportRunner({ db: database.db, box, control: deviceControl, logger });
    lifecycle.onClose("device imports", () => deviceImports.close());
    const app = buildApp({
      routes: allRoutes({
        db: database.db,
        box,
        control: deviceControl,
        deviceImports,
        channelControl: createNatsChannelControl(bus),
        now: () => new Date(),
        siteUtcOffsetMinutes: recordUtcOffsetMinutes,
        gateways: { control: gatewayControl, bundleBaseUrl: config.API_PUBLIC_URL ?? `http://${node.sipIp}:${config.API_PORT}` },
        ai: { models: aiModels, snapshotUrls, notices: createNatsAiTaskNotices(bus, logger) },
        domains: { resolveCname: config.DOMAIN_CNAME_CHECK ? (name) => resolveCname(name) : undefined, icp: uncheckedIcp, changes: createNatsDomainChanges(bus, logger) },
        retrievalChanges: createNatsRetrievalChanges(bus, logger),
      }),
      authenticate: createAuthenticator(
        cachedKeyLookup((secretId) => findVerificationKey(keyDeps, secretId), { ttlMs: KEY_CACHE_TTL_MS, maxEntries: 10_000 }),
        { clockSkewSeconds: config.SIGNING_CLOCK_SKEW_SECONDS, maxKeyTimeSeconds: config.SIGNING_MAX_KEY_TIME_SECONDS },
        () => Math.floor(Date.now() / 1000),
      ),
      logger,
      observe: requestObserver(metrics),
    });
    registerReleaseDownload(app, { db: database.db, releasesDir: resolve(config.IVC_VAR_DIR, "releases"), nowSeconds: () => Math.floor(Date.now() / 1000) });
    registerConsoleFiles(app, consoleDistDir());
    app.get("/healthz", async (_request, reply) => {
      const report = await health.report();
      return reply.code(report.status === "ok" ? 200 : 503).send(report);
    });
    app.get("/metrics", async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()));
    lifecycle.onClose("http", () => app.close());
    // Imports an earlier process left mid-way go on from their first unprocessed row.
    await deviceImports.resumeUnfinished();
    reportStartupStage(`listening on ${config.API_HOST}:${config.API_PORT}`);
    await app.listen({ port: config.API_PORT, host: config.API_HOST });
    // Where a start's time went, from process start: recovery time is watched (issue 12).
    logger.info({ readyMs: Math.round(performance.now()), natsReadyMs: shellMs, databaseOpenMs: openMs, database: database.kind }, "api ready");
  } catch (err) {
    logger.fatal({ err }, "api failed to start");
    await lifecycle.shutdown(1);
  }
}

void main();
