import type { Subscription } from "@nats-io/transport-node";
import type { Bus } from "./bus.js";
import { ping, type ServiceName } from "./contracts/system.js";

export interface PingIdentity {
  service: ServiceName;
  instance: string;
  version: string;
  clusterId?: string;
}

/** Answers the service's ping subject; instances share it through a queue group. */
export function answerPing(bus: Bus, identity: PingIdentity): Subscription {
  const startedAt = Date.now();
  return bus.reply(
    ping,
    { service: identity.service },
    () => ({ ...identity, uptimeSeconds: Math.round((Date.now() - startedAt) / 1000) }),
    { queue: identity.service },
  );
}
