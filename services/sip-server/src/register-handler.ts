import { isBusError, type DeviceCredentialsReply } from "@ivc/bus";
import {
  createDigestChallenge,
  getHeader,
  getHeaderValues,
  parseDigestCredentials,
  verifyDigest,
  type DigestCredentials,
  type DigestNonceIssuer,
} from "@ivc/sip";
import type { AuthFailureBackoff } from "./auth-backoff.js";
import type { Clock } from "./clock.js";
import type { DeviceCredentialsCache } from "./device-cache.js";
import { isDeviceCode } from "./device-identity.js";
import { formatGbDateHeader } from "./gb-date.js";
import type { RegisterResult, SipServerMetrics } from "./metrics.js";
import { contactUri, requestedExpires } from "./register-expires.js";
import type { Registration, RegistrationStore, RequestSource } from "./registration-store.js";
import type { IncomingSipRequest } from "./sip-endpoint.js";

export interface RegisterHandlerOptions {
  clusterId: string;
  /** SIP_DOMAIN: the digest realm (GB/T 28181 §9.1.2.1). */
  realm: string;
  clock: Clock;
  nonces: DigestNonceIssuer;
  cache: DeviceCredentialsCache;
  backoff: AuthFailureBackoff;
  /**
   * Unknown codes per source address: past its limit, the address's REGISTERs for codes the cache
   * does not know are refused without asking the API (a storm of random codes costs nothing).
   */
  unknownBackoff: AuthFailureBackoff;
  /** Called after a digest-authenticated REGISTER (the transport then trusts its TCP connection). */
  onAuthenticated: (remote: IncomingSipRequest["remote"]) => void;
  store: RegistrationStore;
  metrics: SipServerMetrics;
  /** The site's UTC offset for the Date header devices set their clocks from. */
  utcOffsetMinutes: () => number;
  /** Seconds a device is told to wait when the API cannot be asked. */
  retryAfterSeconds: number;
  onRegistered: (registration: Registration, isNew: boolean) => void;
  onUnregistered: (deviceId: string) => void;
}

/**
 * REGISTER (GB/T 28181-2016 §9.1): digest authentication against the password the API holds,
 * 403 for codes it does not know or has disabled, and for wrong answers to our challenge (a 401
 * re-challenge would make devices retry forever; GB devices expect 403). Credentials for another
 * realm or a nonce that is not a live one of ours get a fresh 401. Expires: 0 unregisters.
 */
export class RegisterHandler {
  constructor(private readonly options: RegisterHandlerOptions) {}

  async handle(incoming: IncomingSipRequest): Promise<void> {
    const { request, remote, logger } = incoming;
    const deviceId = incoming.senderCode;
    const answer = (status: number, result: RegisterResult, headers: Array<[string, string]> = []) => {
      this.options.metrics.registerOutcomes.inc({ result });
      incoming.respond(status, { headers });
    };
    if (!isDeviceCode(deviceId)) {
      logger.warn({ peer: remote.address, from: getHeader(request, "From") }, "REGISTER refused: From carries no 20-digit code");
      answer(403, "unknown-device");
      return;
    }
    if (this.options.backoff.isBlocked(remote.address)) {
      answer(403, "backed-off");
      return;
    }
    const expires = requestedExpires(request);
    if (expires === undefined) {
      answer(400, "bad-request");
      return;
    }

    let credentials: DeviceCredentialsReply;
    const cached = this.options.cache.peek(deviceId);
    if (!cached?.found && this.options.unknownBackoff.isBlocked(remote.address)) {
      answer(403, "unknown-backed-off");
      return;
    }
    try {
      credentials = cached ?? (await this.options.cache.get(deviceId));
    } catch (err) {
      logger.error({ stage: "API unreachable", err: err instanceof Error ? err.message : String(err), kind: isBusError(err) ? err.kind : undefined }, "REGISTER deferred: device credentials unavailable");
      answer(503, "api-unreachable", [["Retry-After", String(this.options.retryAfterSeconds)]]);
      return;
    }
    if (!credentials.found) {
      const blocked = this.options.unknownBackoff.recordFailure(remote.address);
      logger.warn({ peer: remote.address, backedOff: blocked }, "REGISTER refused: unknown device code");
      answer(403, "unknown-device");
      return;
    }
    if (credentials.clusterId !== this.options.clusterId) {
      logger.warn({ peer: remote.address, deviceCluster: credentials.clusterId }, "REGISTER refused: device belongs to another cluster");
      answer(403, "other-cluster");
      return;
    }
    if (!credentials.enabled) {
      logger.warn({ peer: remote.address }, "REGISTER refused: device disabled");
      answer(403, "disabled");
      return;
    }

    const authorization = getHeader(request, "Authorization");
    const digest = authorization === undefined ? undefined : parseDigestCredentials(authorization);
    if (!digest) {
      answer(401, "challenged", [["WWW-Authenticate", this.challenge(remote, false)]]);
      return;
    }
    const verdict = verifyDigest(digest, {
      method: "REGISTER",
      realm: this.options.realm,
      password: credentials.password,
      checkNonce: (nonce) => this.options.nonces.check(nonce, nonceHolder(remote)),
    });
    if (!verdict.ok) {
      if (!this.answersLiveChallenge(digest, remote)) {
        // Another platform's realm or nonce (a camera moved here), a nonce too old or from before a
        // secret change: nothing says the password is wrong. Challenge afresh, count nothing.
        logger.info({ peer: remote.address, realm: digest.realm, reason: verdict.reason }, "REGISTER credentials not for a live challenge of ours: challenged afresh");
        answer(401, "rechallenged", [["WWW-Authenticate", this.challenge(remote, verdict.reason === "stale-nonce")]]);
        return;
      }
      const blocked = this.options.backoff.recordFailure(remote.address);
      logger.warn({ peer: remote.address, reason: verdict.reason, backedOff: blocked }, "REGISTER refused: wrong credentials");
      answer(403, "wrong-password");
      return;
    }
    this.options.backoff.recordSuccess(remote.address);
    this.options.onAuthenticated(remote);

    if (expires === 0) {
      if (await this.options.store.remove(deviceId)) this.options.onUnregistered(deviceId);
      logger.info({ peer: remote.address }, "device unregistered");
      answer(200, "unregistered", [["Expires", "0"], ...this.dateHeader()]);
      return;
    }

    const now = this.options.clock.now();
    const callId = getHeader(request, "Call-ID") ?? "";
    const previous = await this.options.store.get(deviceId);
    // RFC 3261 §10.2.4: refreshes keep the Call-ID; a new one means the device restarted.
    const isNew = !previous || previous.callId !== callId;
    const registration: Registration = {
      deviceId,
      transport: remote.protocol,
      address: remote.address,
      port: remote.port,
      contact: contactUri(request),
      callId,
      expiresSeconds: expires,
      expiresAt: now + expires * 1000,
      registeredAt: isNew ? now : previous.registeredAt,
      lastKeepaliveAt: now,
      charset: previous?.charset ?? credentials.charset ?? "GB2312",
    };
    await this.options.store.save(registration);
    const contact = getHeaderValues(request, "Contact")[0];
    answer(200, isNew ? "registered" : "refreshed", [
      ...(contact ? ([["Contact", contact]] as Array<[string, string]>) : []),
      ["Expires", String(expires)],
      ...this.dateHeader(),
    ]);
    logger.info({ peer: `${remote.protocol}:${remote.address}:${remote.port}`, expires, isNew }, isNew ? "device registered" : "registration refreshed");
    this.options.onRegistered(registration, isNew);
  }

  /** Only a wrong answer to a challenge of ours that is still live counts as a wrong password. */
  private answersLiveChallenge(digest: DigestCredentials, remote: RequestSource): boolean {
    return digest.realm === this.options.realm && this.options.nonces.check(digest.nonce, nonceHolder(remote)) === "valid";
  }

  private challenge(remote: RequestSource, stale: boolean): string {
    return createDigestChallenge({ realm: this.options.realm, nonce: this.options.nonces.issue(nonceHolder(remote)), ...(stale ? { stale: true } : {}) });
  }

  private dateHeader(): Array<[string, string]> {
    const now = this.options.clock.now();
    return [["Date", formatGbDateHeader(now, this.options.utcOffsetMinutes())]];
  }
}

/**
 * Whom a challenge is issued to: transport and address, not the port (some cameras answer a
 * challenge over a new TCP connection). A digest answer replayed from another address then fails
 * the nonce check and gets a fresh challenge, so it cannot move the device (issue 11).
 */
function nonceHolder(remote: RequestSource): string {
  return `${remote.protocol}:${remote.address}`;
}
