import { createAck } from "../build.js";
import { isReliable, type SipDestination } from "../destination.js";
import type { SipRequest, SipResponse } from "../message.js";
import type { TransactionAction } from "./actions.js";
import { startClientInvite, transitionClientInvite, type ClientInviteEvent } from "./client-invite.js";
import { startClientNonInvite, transitionClientNonInvite, type ClientNonInviteEvent } from "./client-non-invite.js";
import { TransactionRunner } from "./runner.js";
import { trySend, type SendMessage } from "./send.js";
import type { TimerConfig, TransactionTimers } from "./timers.js";

export interface ClientTransactionHandlers {
  /** Every response the transaction passes up (provisionals and the final one). */
  onResponse(response: SipResponse): void;
  /** Timer B/F fired without a final response (treat as 408). */
  onTimeout?(): void;
  onTransportError?(): void;
}

type ClientEvent = ClientInviteEvent & ClientNonInviteEvent;

/** An RFC 3261 §17.1 client transaction (INVITE or non-INVITE by the request method). */
export class ClientTransaction {
  private readonly runner: { readonly state: string; dispatch(event: ClientEvent): void; abort(): void };

  constructor(
    readonly key: string,
    readonly request: SipRequest,
    readonly destination: SipDestination,
    handlers: ClientTransactionHandlers,
    send: SendMessage,
    timers: TransactionTimers,
    config: TimerConfig,
    onTerminated: () => void,
  ) {
    const reliable = isReliable(destination.protocol);
    const transportError = () => this.runner.dispatch({ type: "transportError" });
    const perform = (action: TransactionAction): ClientEvent | undefined => {
      const sendOrFail = (message: SipRequest) =>
        trySend(send, message, destination, transportError) ? undefined : ({ type: "transportError" } as const);
      switch (action.type) {
        case "sendRequest":
          return sendOrFail(request);
        case "sendAck":
          return sendOrFail(createAck(request, action.response));
        case "deliverResponse":
          handlers.onResponse(action.response);
          return undefined;
        case "timeout":
          handlers.onTimeout?.();
          return undefined;
        case "transportError":
          handlers.onTransportError?.();
          return undefined;
        default:
          return undefined;
      }
    };
    this.runner =
      request.method === "INVITE"
        ? new TransactionRunner(startClientInvite(reliable, config), (c, e) => transitionClientInvite(c, e, config), timers, perform, onTerminated)
        : new TransactionRunner(startClientNonInvite(reliable, config), (c, e) => transitionClientNonInvite(c, e, config), timers, perform, onTerminated);
  }

  get state(): string {
    return this.runner.state;
  }

  receiveResponse(response: SipResponse): void {
    this.runner.dispatch({ type: "response", response });
  }

  /** Drops the transaction without notifying the TU (shutdown). */
  abort(): void {
    this.runner.abort();
  }
}
