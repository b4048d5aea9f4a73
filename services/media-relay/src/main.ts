import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { startServiceShell } from "@ivc/runtime";
import { mediaRelayEnv } from "./config.js";
import { relayDepsOf, startMediaRelay } from "./relay.js";
import { ShardPool } from "./shards/shard-pool.js";

const VERSION = "0.1.0";

const shell = await startServiceShell({ service: "media-relay", version: VERSION, env: mediaRelayEnv, redis: true });
const { config, logger, lifecycle } = shell;

const shardCount = config.MEDIA_WORKERS === 0 ? availableParallelism() : config.MEDIA_WORKERS;
const shards =
  shardCount > 1
    ? new ShardPool({ count: shardCount, entry: fileURLToPath(new URL("./shards/shard-main.js", import.meta.url)), env: process.env, logger })
    : undefined;
const relay = await startMediaRelay({ ...relayDepsOf(shell), ops: shell, ...(shards !== undefined ? { shards } : {}) });
lifecycle.onClose("media-relay", () => relay.close());
logger.info({ httpPort: relay.httpPort, clusterId: shell.clusterId, shards: shardCount }, "media-relay ready");
