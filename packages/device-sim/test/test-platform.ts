import { buildCatalogQuery, parseManscdp } from "@ivc/gb28181";
import type { ManscdpParseResult } from "@ivc/gb28181";
import {
  TransactionManager,
  createDigestChallenge,
  createNodeSipTransport,
  createRequest,
  createResponse,
  generateBranch,
  generateCallId,
  generateTag,
  getHeader,
  parseDigestCredentials,
  serializeSipMessage,
  verifyDigest,
} from "@ivc/sip";
import type { DigestVerifyResult, NodeSipTransport, ServerTransaction, SipDestination, SipRequest, SipResponse } from "@ivc/sip";

export const PLATFORM_ID = "34020000002000000001";
export const DOMAIN = "3402000000";

export interface ReceivedRequest {
  readonly request: SipRequest;
  readonly remote: SipDestination;
  readonly manscdp?: ManscdpParseResult;
  /** For REGISTERs that carried credentials: the registrar's verdict. */
  readonly auth?: DigestVerifyResult;
}

export interface TestPlatformOptions {
  password: string;
  /** Offer qop=auth in the challenge (default true). */
  qop?: boolean;
  /** Expires granted in the 200 (default: what the device asked for). */
  grantExpires?: number;
  /** Status for MESSAGE/NOTIFY from the device (default 200). */
  messageStatus?: number;
  /** Ignore this many requests from the device (as if lost on the wire). */
  dropFirst?: number;
  /**
   * Write a Catalog query in the same TCP segment as the REGISTER's 200 OK, as a busy platform's
   * writes coalesce: the device reads both in one chunk, before its start() has resumed.
   */
  catalogQueryWithOk?: boolean;
}

/** A minimal GB28181 platform on 127.0.0.1 built from the sip package: a digest registrar that records everything. */
export class TestPlatform {
  readonly received: ReceivedRequest[] = [];
  /** Requests ignored because of `dropFirst`. */
  readonly dropped: SipRequest[] = [];
  private readonly waiters = new Set<() => void>();
  private readonly transactions: TransactionManager;

  private constructor(
    readonly transport: NodeSipTransport,
    private readonly options: TestPlatformOptions,
  ) {
    this.transactions = new TransactionManager({ send: (message, destination) => transport.send(message, destination) });
    transport.onMessage((message, remote) => {
      if (message.kind === "response") {
        this.transactions.receiveResponse(message);
        return;
      }
      if (this.dropped.length < (options.dropFirst ?? 0)) {
        this.dropped.push(message);
        return;
      }
      const incoming = this.transactions.receiveRequest(message, remote);
      if (incoming.kind === "new") this.handle(message, incoming.transaction, remote);
    });
  }

  static async start(options: TestPlatformOptions): Promise<TestPlatform> {
    return new TestPlatform(await createNodeSipTransport({ host: "127.0.0.1", port: 0 }), options);
  }

  get port(): number {
    return this.transport.port;
  }

  /** Requests of one method, optionally filtered by MANSCDP CmdType. */
  requests(method: string, cmdType?: string): ReceivedRequest[] {
    return this.received.filter(
      (entry) => entry.request.method === method && (cmdType === undefined || (entry.manscdp?.ok === true && entry.manscdp.cmdType === cmdType)),
    );
  }

  /** Resolves once `count` matching requests have arrived. */
  async waitFor(method: string, count: number, cmdType?: string, timeoutMs = 5000): Promise<ReceivedRequest[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.requests(method, cmdType);
      if (found.length >= count) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out waiting for ${count} ${method} ${cmdType ?? ""} (got ${found.length})`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, remaining);
        this.waiters.add(wake);
      });
    }
  }

  /** Where the device registered from: where requests to it go. */
  deviceAddress(): SipDestination {
    const registration = this.requests("REGISTER").at(-1);
    if (!registration) throw new Error("device never registered");
    return registration.remote;
  }

  /** An out-of-dialog request from the platform to the device. */
  requestToDevice(method: string, deviceId: string, body: Buffer, extraHeaders: Array<[string, string]> = []): SipRequest {
    const destination = this.deviceAddress();
    return createRequest({
      method,
      uri: `sip:${deviceId}@${destination.address}:${destination.port}`,
      via: { protocol: "SIP/2.0", transport: destination.protocol.toUpperCase(), host: "127.0.0.1", port: this.port, params: { branch: generateBranch() } },
      from: { uri: `sip:${PLATFORM_ID}@${DOMAIN}`, params: { tag: generateTag() } },
      to: { uri: `sip:${deviceId}@${DOMAIN}`, params: {} },
      callId: generateCallId("127.0.0.1"),
      cseq: 1,
      contact: { uri: `sip:${PLATFORM_ID}@127.0.0.1:${this.port}`, params: {} },
      headers: extraHeaders,
      body,
      ...(body.length > 0 ? { contentType: method === "INVITE" ? "application/sdp" : "Application/MANSCDP+xml" } : {}),
    });
  }

  /** Sends requestToDevice(...) in a client transaction; resolves with the final response. */
  sendToDevice(method: string, deviceId: string, body: Buffer, extraHeaders: Array<[string, string]> = []): Promise<SipResponse> {
    return this.send(this.requestToDevice(method, deviceId, body, extraHeaders), this.deviceAddress());
  }

  send(request: SipRequest, destination: SipDestination): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      this.transactions.sendRequest(request, destination, {
        onResponse: (response) => {
          if (response.status >= 200) resolve(response);
        },
        onTimeout: () => reject(new Error(`${request.method} timed out`)),
        onTransportError: () => reject(new Error(`${request.method} transport error`)),
      });
    });
  }

  async close(): Promise<void> {
    this.transactions.close();
    await this.transport.close();
  }

  private handle(request: SipRequest, transaction: ServerTransaction, remote: SipDestination): void {
    const contentType = getHeader(request, "Content-Type") ?? "";
    const manscdp = /manscdp/i.test(contentType) ? parseManscdp(request.body) : undefined;
    let auth: DigestVerifyResult | undefined;
    if (request.method === "REGISTER") {
      const credentials = parseDigestCredentials(getHeader(request, "Authorization") ?? "");
      if (!credentials) {
        const challenge = createDigestChallenge({ realm: DOMAIN, nonce: generateTag(), qop: this.options.qop ?? true });
        transaction.respond(createResponse(request, 401, { headers: [["WWW-Authenticate", challenge]] }));
      } else {
        auth = verifyDigest(credentials, { method: "REGISTER", realm: DOMAIN, password: this.options.password });
        const expires = this.options.grantExpires ?? Number(getHeader(request, "Expires"));
        const answer = createResponse(request, auth.ok ? 200 : 403, auth.ok ? { headers: [["Expires", String(expires)]] } : {});
        if (auth.ok && this.options.catalogQueryWithOk && remote.protocol === "tcp") {
          this.received.push({ request, remote, auth });
          const deviceId = /sip:(\d{20})@/.exec(getHeader(request, "From") ?? "")?.[1] ?? "";
          const query = this.requestToDevice("MESSAGE", deviceId, buildCatalogQuery({ sn: 99, deviceId }));
          void this.transport.send(Buffer.concat([serializeSipMessage(answer), serializeSipMessage(query)]), remote);
          return;
        }
        transaction.respond(answer);
      }
    } else {
      transaction.respond(createResponse(request, this.options.messageStatus ?? 200));
    }
    this.received.push({ request, remote, ...(manscdp ? { manscdp } : {}), ...(auth ? { auth } : {}) });
    for (const wake of [...this.waiters]) wake();
  }
}
