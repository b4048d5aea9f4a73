import type { SipResponse } from "../message.js";
import type { TimerName } from "./timers.js";

/** Side effects a transition asks the transaction shell to perform, in order. */
export type TransactionAction =
  | { type: "sendRequest" }
  | { type: "sendAck"; response: SipResponse }
  | { type: "sendResponse"; response: SipResponse }
  | { type: "startTimer"; timer: TimerName; ms: number }
  | { type: "stopTimer"; timer: TimerName }
  | { type: "deliverResponse"; response: SipResponse }
  | { type: "timeout" }
  | { type: "transportError" };

export interface Transition<C> {
  context: C;
  actions: TransactionAction[];
}

export type TimerEvent = { type: "timer"; timer: TimerName };

export function isProvisional(response: SipResponse): boolean {
  return response.status < 200;
}
