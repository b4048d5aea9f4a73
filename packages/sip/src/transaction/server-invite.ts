import { createResponse } from "../build.js";
import type { SipRequest, SipResponse } from "../message.js";
import { isProvisional, type TimerEvent, type TransactionAction, type Transition } from "./actions.js";
import type { TimerConfig } from "./timers.js";

/** RFC 3261 §17.2.1, figure 7. */
export const ServerInviteState = {
  Proceeding: "Proceeding",
  Completed: "Completed",
  Confirmed: "Confirmed",
  Terminated: "Terminated",
} as const;
export type ServerInviteState = (typeof ServerInviteState)[keyof typeof ServerInviteState];

export interface ServerInviteContext {
  state: ServerInviteState;
  reliable: boolean;
  lastResponse: SipResponse;
  /** Current Timer G interval. */
  intervalG: number;
}

export type ServerInviteEvent =
  | { type: "request" }
  | { type: "ack" }
  | { type: "respond"; response: SipResponse }
  | TimerEvent
  | { type: "transportError" };

/** The transaction answers 100 Trying at once (§17.2.1) so the client stops retransmitting. */
export function startServerInvite(invite: SipRequest, reliable: boolean, config: TimerConfig): Transition<ServerInviteContext> {
  const trying = createResponse(invite, 100);
  return {
    context: { state: ServerInviteState.Proceeding, reliable, lastResponse: trying, intervalG: config.t1 },
    actions: [{ type: "sendResponse", response: trying }],
  };
}

export function transitionServerInvite(
  context: ServerInviteContext,
  event: ServerInviteEvent,
  config: TimerConfig,
): Transition<ServerInviteContext> {
  const { state } = context;
  const to = (next: ServerInviteState, actions: TransactionAction[], patch: Partial<ServerInviteContext> = {}) => ({
    context: { ...context, ...patch, state: next },
    actions,
  });

  if (event.type === "respond" && state === ServerInviteState.Proceeding) {
    const { response } = event;
    const send: TransactionAction = { type: "sendResponse", response };
    if (isProvisional(response)) return to(state, [send], { lastResponse: response });
    // 2xx retransmission is the TU's job (§13.3.1.4); the transaction ends.
    if (response.status < 300) return to(ServerInviteState.Terminated, [send], { lastResponse: response });
    const actions: TransactionAction[] = [send, { type: "startTimer", timer: "H", ms: 64 * config.t1 }];
    if (!context.reliable) actions.push({ type: "startTimer", timer: "G", ms: config.t1 });
    return to(ServerInviteState.Completed, actions, { lastResponse: response });
  }
  if (event.type === "request" && (state === ServerInviteState.Proceeding || state === ServerInviteState.Completed)) {
    return to(state, [{ type: "sendResponse", response: context.lastResponse }]);
  }
  if (event.type === "ack" && state === ServerInviteState.Completed) {
    return to(ServerInviteState.Confirmed, [
      { type: "stopTimer", timer: "G" },
      { type: "stopTimer", timer: "H" },
      { type: "startTimer", timer: "I", ms: context.reliable ? 0 : config.t4 },
    ]);
  }
  if (event.type === "timer" && event.timer === "G" && state === ServerInviteState.Completed) {
    const next = Math.min(2 * context.intervalG, config.t2);
    return to(state, [{ type: "sendResponse", response: context.lastResponse }, { type: "startTimer", timer: "G", ms: next }], {
      intervalG: next,
    });
  }
  if (event.type === "timer" && event.timer === "H" && state === ServerInviteState.Completed) {
    return to(ServerInviteState.Terminated, [{ type: "stopTimer", timer: "G" }, { type: "timeout" }]);
  }
  if (event.type === "timer" && event.timer === "I" && state === ServerInviteState.Confirmed) {
    return to(ServerInviteState.Terminated, []);
  }
  if (event.type === "transportError" && state !== ServerInviteState.Terminated) {
    return to(ServerInviteState.Terminated, [{ type: "transportError" }]);
  }
  return { context, actions: [] };
}
