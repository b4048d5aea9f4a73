import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { BusLogger } from "./bus.js";

export interface ConnectOptions {
  url: string;
  /** Client name shown by the NATS server (`nats server report connections`). */
  name: string;
  logger: BusLogger & { info(obj: object, msg: string): void };
}

/**
 * Connects with endless reconnects: a NATS restart must never take a service down. Connection
 * state changes are logged as they happen so an outage is visible in the service's own log.
 */
export async function connectNats(options: ConnectOptions): Promise<NatsConnection> {
  const url = new URL(options.url);
  const nc = await connect({
    servers: `${url.hostname}:${url.port || "4222"}`,
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    waitOnFirstConnect: true,
    ...(url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : {}),
  });
  options.logger.info({ server: nc.getServer() }, "NATS connected");
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === "disconnect" || status.type === "reconnecting") {
        options.logger.warn({ status: status.type }, "NATS connection lost; reconnecting");
      } else if (status.type === "reconnect") {
        options.logger.info({ server: nc.getServer() }, "NATS reconnected");
      } else if (status.type === "error") {
        options.logger.warn({ status: status.type, error: String(status.error) }, "NATS error");
      }
    }
  })();
  return nc;
}
