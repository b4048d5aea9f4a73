import { startOpsServer, startServiceShell } from "@ivc/runtime";
import { mediaRelayEnv } from "./config.js";

const VERSION = "0.1.0";

const shell = await startServiceShell({ service: "media-relay", version: VERSION, env: mediaRelayEnv, redis: true });
const { config, logger, lifecycle } = shell;

const http = await startOpsServer(config.MEDIA_HTTP_PORT, config.MEDIA_BIND, shell);
lifecycle.onClose("media-http", () => new Promise((resolve) => http.close(resolve)));
logger.info({ httpPort: config.MEDIA_HTTP_PORT, clusterId: shell.clusterId }, "media-relay ready");
