export { mediaRelayEnv } from "./config.js";
export type { MediaRelayConfig } from "./config.js";
export { startMediaRelay } from "./relay.js";
export type { MediaRelay, MediaRelayDeps, MediaRelayTuning } from "./relay.js";
export { ShardPool } from "./shards/shard-pool.js";
