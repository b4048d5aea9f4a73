import {
  TransactionManager,
  createNodeSipTransport,
  createResponse,
  generateBranch,
  getHeader,
  getHeaderValues,
  parseVia,
  responseDestination,
  stampViaReceived,
  type NodeSipTransport,
  type NodeSipTransportOptions,
  type ClientTransactionHandlers,
  type ResponseOptions,
  type ServerTransaction,
  type SipDestination,
  type SipRemote,
  type SipRequest,
  type SipResponse,
  type SipVia,
  type TimerConfig,
} from "@ivc/sip";
import type { Logger } from "@ivc/runtime";
import { senderCode } from "./device-identity.js";

/** A new request from a peer, with what a handler needs to answer it. */
export interface IncomingSipRequest {
  /** The request with its top Via stamped received/rport (RFC 3581), so responses echo them. */
  request: SipRequest;
  remote: SipRemote;
  /** Code in From (the device for GB28181 requests). */
  senderCode: string | undefined;
  /** Bound to deviceId and callId. */
  logger: Logger;
  respond(status: number, options?: ResponseOptions): void;
  readonly answered: boolean;
}

export type SipRequestHandler = (incoming: IncomingSipRequest) => Promise<void> | void;

export interface SipEndpointOptions {
  bindAddress: string;
  port: number;
  /** Address in our Via/Contact. */
  host: string;
  logger: Logger;
  timerConfig?: Partial<TimerConfig>;
  /** TCP connection caps, the message timeout of untrusted connections, the UDP rate per address (transport defaults when absent). */
  tcpLimits?: Pick<NodeSipTransportOptions, "maxConnections" | "maxConnectionsPerAddress" | "messageTimeoutMs" | "maxDatagramsPerAddressPerSecond">;
  /**
   * Asked before a new request costs anything (no transaction, no handler): "admit", "drop"
   * (silently: the cheapest answer to a flood), or a stateless 503 with `Retry-After` seconds.
   * Rate limits per source go here.
   */
  admit?: (request: SipRequest, remote: SipRemote) => "admit" | "drop" | { retryAfterSeconds: number };
}

/** Why a request we sent got no final response. */
export class SipRequestFailure extends Error {
  constructor(
    readonly reason: "timeout" | "transport",
    message: string,
  ) {
    super(message);
    this.name = "SipRequestFailure";
  }
}

/**
 * The SIP stack of the server: UDP+TCP transport, RFC 3261 transactions, and the routing rules
 * that reach devices behind NAT. Requests go up to one handler; responses to our requests come
 * back as promises.
 */
export class SipEndpoint {
  private closed = false;
  /** Responses no transaction wanted: a 2xx to an INVITE retransmitted until our ACK arrives. */
  onStrayResponse: ((response: SipResponse) => void) | undefined;

  private constructor(
    private readonly transport: NodeSipTransport,
    private readonly transactions: TransactionManager,
    private readonly options: SipEndpointOptions,
  ) {}

  static async start(options: SipEndpointOptions, handler: SipRequestHandler): Promise<SipEndpoint> {
    const logger = options.logger;
    const transport = await createNodeSipTransport({ host: options.bindAddress, port: options.port, logger, ...options.tcpLimits });
    const transactions = new TransactionManager({
      send: (message, destination) => transport.send(message, destination),
      ...(options.timerConfig ? { timerConfig: options.timerConfig } : {}),
      onTransportError: (transaction) =>
        logger.warn({ callId: getHeader(transaction.request, "Call-ID"), peer: peerOf(transaction.replyTo) }, "could not send SIP response"),
    });
    const endpoint = new SipEndpoint(transport, transactions, options);
    transport.onMessage((message, remote) => {
      if (message.kind === "response") {
        if (!transactions.receiveResponse(message)) {
          if (endpoint.onStrayResponse) endpoint.onStrayResponse(message);
          else logger.debug({ callId: getHeader(message, "Call-ID"), status: message.status, peer: peerOf(remote) }, "stray SIP response dropped");
        }
        return;
      }
      endpoint.receiveRequest(message, remote, handler);
    });
    return endpoint;
  }

  get port(): number {
    return this.transport.port;
  }

  get host(): string {
    return this.options.host;
  }

  /** For /healthz. */
  get state(): { ok: boolean; detail: string } {
    if (this.closed) return { ok: false, detail: "closed" };
    return { ok: true, detail: `udp+tcp ${this.options.bindAddress}:${this.transport.port}, ${this.transport.connectionCount} tcp connections` };
  }

  /** Transactions and TCP connections held now (leak checks: all 0 once traffic stopped and timers ran out). */
  get retained(): { clientTransactions: number; serverTransactions: number; tcpConnections: number } {
    return { clientTransactions: this.transactions.clientCount, serverTransactions: this.transactions.serverCount, tcpConnections: this.transport.connectionCount };
  }

  /** See NodeSipTransport#trust: the peer's TCP connection is never evicted nor timed out. */
  trust(remote: SipRemote): void {
    this.transport.trust(remote);
  }

  /** A fresh top Via for a request we send over `protocol` (rport asked, RFC 3581). */
  via(protocol: SipDestination["protocol"]): SipVia {
    return { protocol: "SIP/2.0", transport: protocol.toUpperCase(), host: this.options.host, port: this.port, params: { branch: generateBranch(), rport: null } };
  }

  /** Sends a request in a client transaction; resolves with the final response. */
  request(request: SipRequest, destination: SipDestination): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new SipRequestFailure("transport", "SIP endpoint is closed"));
        return;
      }
      this.transactions.sendRequest(request, destination, {
        onResponse: (response) => {
          if (response.status >= 200) resolve(response);
        },
        onTimeout: () => reject(new SipRequestFailure("timeout", `no final response to ${request.method} from ${peerOf(destination)}`)),
        onTransportError: () => reject(new SipRequestFailure("transport", `could not send ${request.method} to ${peerOf(destination)}`)),
      });
    });
  }

  /**
   * An INVITE client transaction (RFC 3261 §17.1.1): every response (provisionals too) reaches
   * `handlers`; a 2xx ends the transaction and its ACK is the caller's (§13.2.2.4, `sendAck`).
   */
  invite(request: SipRequest, destination: SipDestination, handlers: ClientTransactionHandlers): void {
    if (this.closed) {
      handlers.onTransportError?.();
      return;
    }
    this.transactions.sendRequest(request, destination, handlers);
  }

  /** The ACK for a 2xx, which travels outside any transaction (RFC 3261 §17.1.1.3). */
  sendAck(ack: SipRequest, destination: SipDestination): Promise<void> {
    if (this.closed) return Promise.reject(new SipRequestFailure("transport", "SIP endpoint is closed"));
    return this.transport.send(ack, destination);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.transactions.close();
    await this.transport.close();
  }

  private receiveRequest(received: SipRequest, remote: SipRemote, handler: SipRequestHandler): void {
    const admission = this.options.admit?.(received, remote) ?? "admit";
    if (admission === "drop") return;
    if (admission !== "admit") {
      this.transport
        .send(createResponse(received, 503, { headers: [["Retry-After", String(admission.retryAfterSeconds)]] }), remote)
        .catch(() => undefined);
      return;
    }
    const request = stampViaReceived(received, remote);
    const topVia = parseVia(getHeaderValues(request, "Via")[0] ?? "");
    const callId = getHeader(request, "Call-ID");
    const code = senderCode(request);
    const logger = this.options.logger.child({ deviceId: code, callId });
    if (!topVia) {
      logger.warn({ peer: peerOf(remote), method: request.method }, "request without a readable Via dropped");
      return;
    }
    // Symmetric responses: GB28181 cameras behind NAT often omit rport while their Via names a
    // private address, so the source address is the only one that reaches them.
    const replyTo = responseDestination(topVia, remote, { symmetric: true });
    const incoming = this.transactions.receiveRequest(request, replyTo);
    if (incoming.kind !== "new") return;
    const answer = wrap(incoming.transaction, request, remote, code, logger);
    Promise.resolve()
      .then(() => handler(answer))
      .catch((err: unknown) => {
        logger.error({ err, method: request.method }, "SIP request handler failed");
        if (!answer.answered) answer.respond(500);
      });
  }
}

function wrap(transaction: ServerTransaction, request: SipRequest, remote: SipRemote, code: string | undefined, logger: Logger): IncomingSipRequest {
  let answered = false;
  return {
    request,
    remote,
    senderCode: code,
    logger,
    get answered() {
      return answered;
    },
    respond(status, options) {
      if (answered) return;
      if (status >= 200) answered = true;
      transaction.respond(createResponse(request, status, options));
    },
  };
}

export function peerOf(destination: { protocol: string; address: string; port: number }): string {
  return `${destination.protocol}:${destination.address}:${destination.port}`;
}
