import { startOpsServer, startServiceShell } from "@ivc/runtime";
import { sipServerEnv } from "./config.js";
import { startSipServer } from "./server.js";

const VERSION = "0.1.0";

const shell = await startServiceShell({ service: "sip-server", version: VERSION, env: sipServerEnv, redis: true });
const { config, logger, lifecycle } = shell;
if (!shell.redis) throw new Error("sip-server needs Redis (the shell was asked for it)");

const server = await startSipServer({
  config,
  clusterId: shell.clusterId,
  logger,
  bus: shell.bus,
  redis: shell.redis,
  metrics: shell.metrics,
  health: shell.health,
});
lifecycle.onClose("sip", () => server.close());

const ops = await startOpsServer(config.SIP_HTTP_PORT, "0.0.0.0", shell);
lifecycle.onClose("ops-http", () => new Promise((resolve) => ops.close(resolve)));
logger.info({ httpPort: config.SIP_HTTP_PORT, sipPort: server.port, clusterId: shell.clusterId }, "sip-server ready");
