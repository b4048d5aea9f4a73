import type { SipResponse } from "../message.js";
import { isProvisional, type TimerEvent, type TransactionAction, type Transition } from "./actions.js";
import type { TimerConfig } from "./timers.js";

/** RFC 3261 §17.1.1.2, figure 5. */
export const ClientInviteState = {
  Calling: "Calling",
  Proceeding: "Proceeding",
  Completed: "Completed",
  Terminated: "Terminated",
} as const;
export type ClientInviteState = (typeof ClientInviteState)[keyof typeof ClientInviteState];

export interface ClientInviteContext {
  state: ClientInviteState;
  reliable: boolean;
  /** Current Timer A interval. */
  intervalA: number;
}

export type ClientInviteEvent = { type: "response"; response: SipResponse } | TimerEvent | { type: "transportError" };

/** Timer D: at least 32 s over unreliable transports, 0 over reliable ones. */
const TIMER_D_UNRELIABLE_MS = 32_000;

export function startClientInvite(reliable: boolean, config: TimerConfig): Transition<ClientInviteContext> {
  const actions: TransactionAction[] = [{ type: "sendRequest" }, { type: "startTimer", timer: "B", ms: 64 * config.t1 }];
  if (!reliable) actions.push({ type: "startTimer", timer: "A", ms: config.t1 });
  return { context: { state: ClientInviteState.Calling, reliable, intervalA: config.t1 }, actions };
}

export function transitionClientInvite(
  context: ClientInviteContext,
  event: ClientInviteEvent,
  _config: TimerConfig,
): Transition<ClientInviteContext> {
  const { state } = context;
  const active = state === ClientInviteState.Calling || state === ClientInviteState.Proceeding;
  const to = (next: ClientInviteState, actions: TransactionAction[]) => ({ context: { ...context, state: next }, actions });
  const stopAB: TransactionAction[] = [
    { type: "stopTimer", timer: "A" },
    { type: "stopTimer", timer: "B" },
  ];

  if (event.type === "response" && active) {
    const { response } = event;
    if (isProvisional(response)) return to(ClientInviteState.Proceeding, [...stopAB, { type: "deliverResponse", response }]);
    // 2xx: the TU acknowledges it end to end (§13.2.2.4); the transaction ends.
    if (response.status < 300) return to(ClientInviteState.Terminated, [...stopAB, { type: "deliverResponse", response }]);
    return to(ClientInviteState.Completed, [
      ...stopAB,
      { type: "sendAck", response },
      { type: "deliverResponse", response },
      { type: "startTimer", timer: "D", ms: context.reliable ? 0 : TIMER_D_UNRELIABLE_MS },
    ]);
  }
  if (event.type === "response" && state === ClientInviteState.Completed && event.response.status >= 300) {
    return to(state, [{ type: "sendAck", response: event.response }]);
  }
  if (event.type === "timer" && event.timer === "A" && state === ClientInviteState.Calling) {
    const next = 2 * context.intervalA;
    return { context: { ...context, intervalA: next }, actions: [{ type: "sendRequest" }, { type: "startTimer", timer: "A", ms: next }] };
  }
  if (event.type === "timer" && event.timer === "B" && state === ClientInviteState.Calling) {
    return to(ClientInviteState.Terminated, [{ type: "stopTimer", timer: "A" }, { type: "timeout" }]);
  }
  if (event.type === "transportError" && active) return to(ClientInviteState.Terminated, [{ type: "transportError" }]);
  if (event.type === "timer" && event.timer === "D" && state === ClientInviteState.Completed) {
    return to(ClientInviteState.Terminated, []);
  }
  return { context, actions: [] };
}
