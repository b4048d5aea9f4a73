import { startOpsServer, startServiceShell } from "@ivc/runtime";
import { sipServerEnv } from "./config.js";

const VERSION = "0.1.0";

const shell = await startServiceShell({ service: "sip-server", version: VERSION, env: sipServerEnv, redis: true });
const { config, logger, lifecycle } = shell;

const ops = await startOpsServer(config.SIP_HTTP_PORT, "0.0.0.0", shell);
lifecycle.onClose("ops-http", () => new Promise((resolve) => ops.close(resolve)));
logger.info({ httpPort: config.SIP_HTTP_PORT, clusterId: shell.clusterId }, "sip-server ready");
