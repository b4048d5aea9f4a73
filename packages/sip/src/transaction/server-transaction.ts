import { isReliable, type SipDestination } from "../destination.js";
import type { SipRequest, SipResponse } from "../message.js";
import type { TransactionAction } from "./actions.js";
import { TransactionRunner } from "./runner.js";
import { trySend, type SendMessage } from "./send.js";
import { startServerInvite, transitionServerInvite, type ServerInviteEvent } from "./server-invite.js";
import { startServerNonInvite, transitionServerNonInvite, type ServerNonInviteEvent } from "./server-non-invite.js";
import type { TimerConfig, TransactionTimers } from "./timers.js";

export interface ServerTransactionEvents {
  /** Timer H fired: no ACK came for a 3xx-6xx to INVITE. */
  onTimeout?(transaction: ServerTransaction): void;
  onTransportError?(transaction: ServerTransaction): void;
}

type ServerEvent = ServerInviteEvent | ServerNonInviteEvent;

/** An RFC 3261 §17.2 server transaction; the TU answers through respond(). */
export class ServerTransaction {
  private readonly runner: { readonly state: string; dispatch(event: ServerEvent): void; abort(): void };

  constructor(
    readonly key: string,
    readonly request: SipRequest,
    /** Where responses go (see responseDestination). */
    readonly replyTo: SipDestination,
    events: ServerTransactionEvents,
    send: SendMessage,
    timers: TransactionTimers,
    config: TimerConfig,
    onTerminated: () => void,
  ) {
    const reliable = isReliable(replyTo.protocol);
    const transportError = () => this.runner.dispatch({ type: "transportError" });
    const perform = (action: TransactionAction): ServerEvent | undefined => {
      switch (action.type) {
        case "sendResponse":
          return trySend(send, action.response, replyTo, transportError) ? undefined : { type: "transportError" };
        case "timeout":
          events.onTimeout?.(this);
          return undefined;
        case "transportError":
          events.onTransportError?.(this);
          return undefined;
        default:
          return undefined;
      }
    };
    this.runner =
      request.method === "INVITE"
        ? new TransactionRunner<ReturnType<typeof startServerInvite>["context"], ServerInviteEvent>(
            startServerInvite(request, reliable, config),
            (c, e) => transitionServerInvite(c, e, config),
            timers,
            perform as (action: TransactionAction) => ServerInviteEvent | undefined,
            onTerminated,
          )
        : new TransactionRunner<ReturnType<typeof startServerNonInvite>["context"], ServerNonInviteEvent>(
            startServerNonInvite(reliable),
            (c, e) => transitionServerNonInvite(c, e, config),
            timers,
            perform as (action: TransactionAction) => ServerNonInviteEvent | undefined,
            onTerminated,
          );
  }

  get state(): string {
    return this.runner.state;
  }

  /** Sends a response through the transaction (provisional or final). */
  respond(response: SipResponse): void {
    this.runner.dispatch({ type: "respond", response });
  }

  /** A retransmission of the request arrived. */
  receiveRetransmission(): void {
    this.runner.dispatch({ type: "request" });
  }

  /** An ACK for a non-2xx final response arrived (INVITE only). */
  receiveAck(): void {
    this.runner.dispatch({ type: "ack" });
  }

  abort(): void {
    this.runner.abort();
  }
}
