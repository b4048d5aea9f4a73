import type { SipResponse } from "../message.js";
import { isProvisional, type TimerEvent, type TransactionAction, type Transition } from "./actions.js";
import type { TimerConfig } from "./timers.js";

/** RFC 3261 §17.2.2, figure 8. */
export const ServerNonInviteState = {
  Trying: "Trying",
  Proceeding: "Proceeding",
  Completed: "Completed",
  Terminated: "Terminated",
} as const;
export type ServerNonInviteState = (typeof ServerNonInviteState)[keyof typeof ServerNonInviteState];

export interface ServerNonInviteContext {
  state: ServerNonInviteState;
  reliable: boolean;
  lastResponse?: SipResponse;
}

export type ServerNonInviteEvent =
  | { type: "request" }
  | { type: "respond"; response: SipResponse }
  | TimerEvent
  | { type: "transportError" };

export function startServerNonInvite(reliable: boolean): Transition<ServerNonInviteContext> {
  return { context: { state: ServerNonInviteState.Trying, reliable }, actions: [] };
}

export function transitionServerNonInvite(
  context: ServerNonInviteContext,
  event: ServerNonInviteEvent,
  config: TimerConfig,
): Transition<ServerNonInviteContext> {
  const { state } = context;
  const open = state === ServerNonInviteState.Trying || state === ServerNonInviteState.Proceeding;

  if (event.type === "respond" && open) {
    const { response } = event;
    const send: TransactionAction = { type: "sendResponse", response };
    if (isProvisional(response)) {
      return { context: { ...context, state: ServerNonInviteState.Proceeding, lastResponse: response }, actions: [send] };
    }
    return {
      context: { ...context, state: ServerNonInviteState.Completed, lastResponse: response },
      actions: [send, { type: "startTimer", timer: "J", ms: context.reliable ? 0 : 64 * config.t1 }],
    };
  }
  if (event.type === "request" && context.lastResponse && state !== ServerNonInviteState.Terminated) {
    // Retransmitted request: Trying discards it, later states repeat the last response.
    return { context, actions: [{ type: "sendResponse", response: context.lastResponse }] };
  }
  if (event.type === "timer" && event.timer === "J" && state === ServerNonInviteState.Completed) {
    return { context: { ...context, state: ServerNonInviteState.Terminated }, actions: [] };
  }
  if (event.type === "transportError" && state !== ServerNonInviteState.Terminated) {
    return { context: { ...context, state: ServerNonInviteState.Terminated }, actions: [{ type: "transportError" }] };
  }
  return { context, actions: [] };
}
