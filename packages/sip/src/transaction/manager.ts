import type { SipDestination } from "../destination.js";
import type { SipRequest, SipResponse } from "../message.js";
import { ClientTransaction, type ClientTransactionHandlers } from "./client-transaction.js";
import { clientTransactionKey, serverTransactionKey } from "./keys.js";
import type { SendMessage } from "./send.js";
import { ServerTransaction, type ServerTransactionEvents } from "./server-transaction.js";
import { DEFAULT_TIMER_CONFIG, nodeTimers, type TimerConfig, type TransactionTimers } from "./timers.js";

export interface TransactionManagerOptions extends ServerTransactionEvents {
  send: SendMessage;
  timers?: TransactionTimers;
  timerConfig?: Partial<TimerConfig>;
}

/** What an incoming request means at the transaction layer. */
export type IncomingRequest =
  /** A new request: the TU must answer it through `transaction.respond`. */
  | { kind: "new"; transaction: ServerTransaction }
  /** A retransmission or an ACK for a non-2xx response: handled here, nothing for the TU. */
  | { kind: "absorbed" }
  /** An ACK matching no transaction: the ACK for a 2xx, which belongs to the dialog (§17.2.3). */
  | { kind: "ack" };

/** Matches responses and retransmitted requests to RFC 3261 §17 transactions. */
export class TransactionManager {
  private readonly clients = new Map<string, ClientTransaction>();
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly timers: TransactionTimers;
  private readonly config: TimerConfig;

  constructor(private readonly options: TransactionManagerOptions) {
    this.timers = options.timers ?? nodeTimers;
    this.config = { ...DEFAULT_TIMER_CONFIG, ...options.timerConfig };
  }

  get clientCount(): number {
    return this.clients.size;
  }

  get serverCount(): number {
    return this.servers.size;
  }

  /** Starts a client transaction; the request's top Via must carry a branch (programmer error otherwise). */
  sendRequest(request: SipRequest, destination: SipDestination, handlers: ClientTransactionHandlers): ClientTransaction {
    if (request.method === "ACK") throw new Error("ACK is sent without a transaction (RFC 3261 §17.1.1.3)");
    const key = clientTransactionKey(request);
    if (!key) throw new Error("request needs a top Via with a branch and a CSeq");
    if (this.clients.has(key)) throw new Error(`client transaction ${key} already exists`);
    let terminated = false;
    const transaction = new ClientTransaction(key, request, destination, handlers, this.options.send, this.timers, this.config, () => {
      terminated = true;
      this.clients.delete(key);
    });
    if (!terminated) this.clients.set(key, transaction);
    return transaction;
  }

  /** Feeds a response to its client transaction; false when none matches (a stray or a 2xx retransmission). */
  receiveResponse(response: SipResponse): boolean {
    const key = clientTransactionKey(response);
    const transaction = key === undefined ? undefined : this.clients.get(key);
    transaction?.receiveResponse(response);
    return transaction !== undefined;
  }

  receiveRequest(request: SipRequest, replyTo: SipDestination): IncomingRequest {
    const key = serverTransactionKey(request);
    const existing = this.servers.get(key);
    if (request.method === "ACK") {
      if (!existing) return { kind: "ack" };
      existing.receiveAck();
      return { kind: "absorbed" };
    }
    if (existing) {
      existing.receiveRetransmission();
      return { kind: "absorbed" };
    }
    let terminated = false;
    const transaction = new ServerTransaction(key, request, replyTo, this.options, this.options.send, this.timers, this.config, () => {
      terminated = true;
      this.servers.delete(key);
    });
    if (!terminated) this.servers.set(key, transaction);
    return { kind: "new", transaction };
  }

  /** The INVITE server transaction a CANCEL targets (§9.2: same key with method INVITE). */
  findCancelledInvite(cancel: SipRequest): ServerTransaction | undefined {
    return this.servers.get(serverTransactionKey({ ...cancel, method: "INVITE" }));
  }

  /** Stops every timer and forgets all transactions. */
  close(): void {
    for (const transaction of [...this.clients.values(), ...this.servers.values()]) transaction.abort();
    this.clients.clear();
    this.servers.clear();
  }
}
