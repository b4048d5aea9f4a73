import type { SipResponse } from "../message.js";
import { isProvisional, type TimerEvent, type TransactionAction, type Transition } from "./actions.js";
import type { TimerConfig } from "./timers.js";

/** RFC 3261 §17.1.2.2, figure 6. */
export const ClientNonInviteState = {
  Trying: "Trying",
  Proceeding: "Proceeding",
  Completed: "Completed",
  Terminated: "Terminated",
} as const;
export type ClientNonInviteState = (typeof ClientNonInviteState)[keyof typeof ClientNonInviteState];

export interface ClientNonInviteContext {
  state: ClientNonInviteState;
  reliable: boolean;
  /** Current Timer E interval. */
  intervalE: number;
}

export type ClientNonInviteEvent = { type: "response"; response: SipResponse } | TimerEvent | { type: "transportError" };

export function startClientNonInvite(reliable: boolean, config: TimerConfig): Transition<ClientNonInviteContext> {
  const actions: TransactionAction[] = [{ type: "sendRequest" }, { type: "startTimer", timer: "F", ms: 64 * config.t1 }];
  if (!reliable) actions.push({ type: "startTimer", timer: "E", ms: config.t1 });
  return { context: { state: ClientNonInviteState.Trying, reliable, intervalE: config.t1 }, actions };
}

export function transitionClientNonInvite(
  context: ClientNonInviteContext,
  event: ClientNonInviteEvent,
  config: TimerConfig,
): Transition<ClientNonInviteContext> {
  const { state } = context;
  const active = state === ClientNonInviteState.Trying || state === ClientNonInviteState.Proceeding;
  const to = (next: ClientNonInviteState, actions: TransactionAction[], intervalE = context.intervalE) => ({
    context: { ...context, state: next, intervalE },
    actions,
  });

  if (event.type === "response" && active) {
    if (isProvisional(event.response)) {
      return to(ClientNonInviteState.Proceeding, [{ type: "deliverResponse", response: event.response }]);
    }
    const k = context.reliable ? 0 : config.t4;
    return to(ClientNonInviteState.Completed, [
      { type: "stopTimer", timer: "E" },
      { type: "stopTimer", timer: "F" },
      { type: "deliverResponse", response: event.response },
      { type: "startTimer", timer: "K", ms: k },
    ]);
  }
  if (event.type === "timer" && event.timer === "E" && active) {
    // Trying doubles up to T2; Proceeding retransmits every T2 (§17.1.2.2).
    const next = state === ClientNonInviteState.Trying ? Math.min(2 * context.intervalE, config.t2) : config.t2;
    return to(state, [{ type: "sendRequest" }, { type: "startTimer", timer: "E", ms: next }], next);
  }
  if (event.type === "timer" && event.timer === "F" && active) {
    return to(ClientNonInviteState.Terminated, [{ type: "timeout" }]);
  }
  if (event.type === "transportError" && active) {
    return to(ClientNonInviteState.Terminated, [{ type: "transportError" }]);
  }
  if (event.type === "timer" && event.timer === "K" && state === ClientNonInviteState.Completed) {
    return to(ClientNonInviteState.Terminated, []);
  }
  // Completed absorbs response retransmissions; anything else is stale.
  return { context, actions: [] };
}
