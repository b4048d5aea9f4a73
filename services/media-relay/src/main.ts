import { startServiceShell } from "@ivc/runtime";
import { mediaRelayEnv } from "./config.js";
import { startMediaRelay } from "./relay.js";

const VERSION = "0.1.0";

const shell = await startServiceShell({ service: "media-relay", version: VERSION, env: mediaRelayEnv, redis: true });
const { config, logger, lifecycle } = shell;

const relay = await startMediaRelay({
  config,
  bus: shell.bus,
  redis: shell.redis!,
  clusterId: shell.clusterId,
  instance: shell.instance,
  logger,
  metrics: shell.metrics,
  ops: shell,
});
lifecycle.onClose("media-relay", () => relay.close());
logger.info({ httpPort: relay.httpPort, clusterId: shell.clusterId }, "media-relay ready");
