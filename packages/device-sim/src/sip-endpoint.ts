import { TransactionManager } from "@ivc/sip";
import type {
  ServerTransaction,
  SipDestination,
  SipRequest,
  SipResponse,
  SipTransport,
  TimerConfig,
  TransactionTimers,
} from "@ivc/sip";

/** How a request we sent ended. */
export type RequestOutcome =
  | { kind: "response"; response: SipResponse }
  /** Timer F/B fired: no final response (RFC 3261 §17.1.2.2). */
  | { kind: "timeout" }
  | { kind: "transport-error" }
  /** The endpoint closed while the request was pending. */
  | { kind: "closed" };

export interface SipEndpointHandlers {
  /** A new request; answer it through `transaction.respond`. */
  onRequest(request: SipRequest, transaction: ServerTransaction, remote: SipDestination): void;
  /** An ACK for a 2xx, which belongs to the INVITE dialog rather than a transaction (§17.2.3). */
  onAck?(ack: SipRequest, remote: SipDestination): void;
}

export interface SipEndpointOptions {
  timers?: TransactionTimers;
  timerConfig?: Partial<TimerConfig>;
}

/**
 * The device's transaction user glue: client transactions (with UDP retransmission)
 * for what it sends, server transactions for what it receives. Responses go back to
 * where requests came from, as a device behind NAT must.
 */
export class SipEndpoint {
  private readonly transactions: TransactionManager;
  private readonly pending = new Set<(outcome: RequestOutcome) => void>();
  private closed = false;

  constructor(
    private readonly transport: SipTransport,
    handlers: SipEndpointHandlers,
    options: SipEndpointOptions = {},
  ) {
    this.transactions = new TransactionManager({
      send: (message, destination) => transport.send(message, destination),
      ...(options.timers ? { timers: options.timers } : {}),
      ...(options.timerConfig ? { timerConfig: options.timerConfig } : {}),
    });
    transport.onMessage((message, remote) => {
      if (this.closed) return;
      if (message.kind === "response") {
        this.transactions.receiveResponse(message);
        return;
      }
      const incoming = this.transactions.receiveRequest(message, remote);
      if (incoming.kind === "new") handlers.onRequest(message, incoming.transaction, remote);
      else if (incoming.kind === "ack") handlers.onAck?.(message, remote);
    });
  }

  /** Sends a request in a client transaction and resolves with its final outcome. */
  request(request: SipRequest, destination: SipDestination): Promise<RequestOutcome> {
    if (this.closed) return Promise.resolve({ kind: "closed" });
    return new Promise((resolve) => {
      const settle = (outcome: RequestOutcome) => {
        if (!this.pending.delete(settle)) return;
        resolve(outcome);
      };
      this.pending.add(settle);
      this.transactions.sendRequest(request, destination, {
        onResponse: (response) => {
          if (response.status >= 200) settle({ kind: "response", response });
        },
        onTimeout: () => settle({ kind: "timeout" }),
        onTransportError: () => settle({ kind: "transport-error" }),
      });
    });
  }

  /** The pending INVITE a CANCEL targets (RFC 3261 §9.2). */
  findCancelledInvite(cancel: SipRequest): ServerTransaction | undefined {
    return this.transactions.findCancelledInvite(cancel);
  }

  /** Aborts every transaction, settles pending requests as closed and closes the transport. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.transactions.close();
    for (const settle of [...this.pending]) settle({ kind: "closed" });
    await this.transport.close();
  }
}
