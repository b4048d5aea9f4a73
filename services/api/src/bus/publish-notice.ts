import type { Bus, EventContract } from "@ivc/bus";
import type { z } from "zod";

export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Publishes an event that only tells a service sooner what is already stored (each has a slower
 * path to it: a poll, a restart, a heartbeat), so a failure to publish is logged with `context`,
 * never thrown into the API call that stored the change.
 */
export function publishNotice<E extends z.ZodType>(bus: Bus, logger: WarnLogger, contract: EventContract<E>, event: z.input<E>, context: object): void {
  try {
    bus.publish(contract, event);
  } catch (err) {
    logger.warn({ err, ...context }, `${contract.name} not published`);
  }
}
