import { isBusError, streamAuthorize, type Bus, type StreamAuthorizeReply as AuthorizeReply } from "@ivc/bus";
import { verifyStreamSignature } from "@ivc/media";

export type StreamDirection = "push" | "pull";

export type AuthDecision =
  /** `gwId`: a gateway box's push of one of its channels. */
  | { ok: true; deviceId?: string; gwId?: string }
  /** `status` is what an HTTP viewer gets; `reason` is logged and shown to the client. */
  | { ok: false; status: 403 | 503; reason: string };

export interface StreamAuthorizerOptions {
  /** This relay's cluster: the API learns from the subject which site asks. */
  clusterId: string;
  /** Answers are reused this long (the API's authstream settings change rarely). */
  cacheMs: number;
  timeoutMs: number;
  /** "off": pulls are never checked and the API is not asked about them. */
  pullAuth: "api" | "off";
  now?: () => number;
}

const MAX_CACHED = 10_000;

/** Clock difference between the API that signs and this relay that verifies, allowed on top of the window. */
const SIGN_CLOCK_TOLERANCE_SECONDS = 60;

type SigningPolicy = Pick<AuthorizeReply, "secretRequired" | "secret" | "signWindowSeconds">;

function signingPolicy(reply: AuthorizeReply): SigningPolicy {
  return {
    secretRequired: reply.secretRequired,
    ...(reply.secret !== undefined ? { secret: reply.secret } : {}),
    ...(reply.signWindowSeconds !== undefined ? { signWindowSeconds: reply.signWindowSeconds } : {}),
  };
}

/** Spec 02 §4 AccessProtocol values that may publish: 1 RTMP device, 3 a gateway box's channel. */
const ACCESS_RTMP = 1;
const ACCESS_GATEWAY = 3;

/** What the relay needs to ask a box for a channel's push: the box and the secret to sign the push URL with. */
export type GatewayGrant =
  | { ok: true; gwId: string; secret: string }
  | { ok: false; reason: string; unreachable: boolean; disabled?: boolean };

/**
 * Push and pull authorization: the API says whether the stream exists, is enabled and needs a
 * signature (`stream.authorize`, answered from devices and authstream); the relay verifies the
 * `sign` itself so a secret never leaves the platform in a URL.
 *
 * When the API cannot be asked (no responders, timeout) the safe choice is made: a push is
 * refused ("API unreachable"); a pull is judged by the last pull policy the API gave (PullState
 * is global), and refused when the relay has never heard one. A relay that lost its API thus
 * keeps serving viewers as configured, but never lets an unverified device publish.
 */
export class StreamAuthorizer {
  private readonly cache = new Map<string, { reply: AuthorizeReply; at: number }>();
  private lastPullPolicy: SigningPolicy | undefined;
  private readonly now: () => number;

  constructor(
    private readonly bus: Bus,
    private readonly options: StreamAuthorizerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** `deviceId`: the device a pull's URL names (`?device=`), so the API answers for that device's channel. */
  async check(direction: StreamDirection, app: string, streamId: string, query: URLSearchParams, deviceId?: string): Promise<AuthDecision> {
    if (direction === "pull" && this.options.pullAuth === "off") return { ok: true };
    const looked = await this.lookup(direction, app, streamId, direction === "pull" ? deviceId : undefined);
    if (direction === "push") {
      if (!looked.ok) return { ok: false, status: 503, reason: `API unreachable (${looked.detail})` };
      const { reply } = looked;
      if (!reply.exists) return { ok: false, status: 403, reason: "unknown stream: no RTMP device or gateway channel has this code" };
      if (!reply.enabled) return { ok: false, status: 403, reason: "device disabled" };
      if (reply.accessProtocol === ACCESS_GATEWAY) {
        // A box's push is always signed with its gateway's secret, whatever PushState says.
        if (!reply.secretRequired || reply.secret === undefined || reply.gwId === undefined) return { ok: false, status: 403, reason: "gateway channel without a push secret" };
        const decision = this.verify(direction, app, streamId, query, reply, reply.deviceId);
        return decision.ok ? { ...decision, gwId: reply.gwId } : decision;
      }
      if (reply.accessProtocol !== undefined && reply.accessProtocol !== ACCESS_RTMP) return { ok: false, status: 403, reason: "not an RTMP device" };
      return this.verify(direction, app, streamId, query, reply, reply.deviceId);
    }
    if (!looked.ok) {
      const policy = this.lastPullPolicy;
      if (policy === undefined) return { ok: false, status: 503, reason: `API unreachable (${looked.detail}) and no pull policy known` };
      return this.verify(direction, app, streamId, query, policy, deviceId);
    }
    const { reply } = looked;
    if (reply.ambiguous === true) return { ok: false, status: 403, reason: "ambiguous stream: several devices report this channel code; name the device (/live/<device>_<channel>)" };
    if (!reply.exists) return { ok: false, status: 403, reason: "unknown stream: no device reports this channel" };
    if (!reply.enabled) return { ok: false, status: 403, reason: "device disabled" };
    return this.verify(direction, app, streamId, query, reply, reply.deviceId);
  }

  /** Drops cached answers about `streamId` (a device code): the API said its device changed. */
  forget(streamId: string): void {
    const ofDevice = (key: string): boolean =>
      key.endsWith(`\u0000${streamId}`) || key.includes(`\u0000${streamId}\u0000`) || key.includes(`\u0000${streamId}_`);
    for (const key of this.cache.keys()) if (ofDevice(key)) this.cache.delete(key);
  }

  /**
   * Whether a publish accepted earlier may go on, asked afresh: only the device's existence and
   * enabled flag count (its URL's signature was checked at the start and may expire meanwhile).
   * Undefined when the API cannot be asked: a running push is not cut on a guess.
   */
  async publishStillAllowed(app: string, streamId: string): Promise<{ ok: true } | { ok: false; reason: string } | undefined> {
    this.forget(streamId);
    const looked = await this.lookup("push", app, streamId);
    if (!looked.ok) return undefined;
    if (!looked.reply.exists) return { ok: false, reason: "device deleted" };
    if (!looked.reply.enabled) return { ok: false, reason: "device disabled" };
    return { ok: true };
  }

  /** The box that owns gateway channel `streamId` and its push secret (the same answer a publish is checked against). */
  async gatewayGrant(app: string, streamId: string): Promise<GatewayGrant> {
    const looked = await this.lookup("push", app, streamId);
    if (!looked.ok) return { ok: false, reason: `API unreachable (${looked.detail})`, unreachable: true };
    const { reply } = looked;
    if (!reply.exists || reply.accessProtocol !== ACCESS_GATEWAY) return { ok: false, reason: `${streamId} is not a gateway channel`, unreachable: false };
    if (!reply.enabled) return { ok: false, reason: "device disabled", unreachable: false, disabled: true };
    if (reply.gwId === undefined || reply.secret === undefined) return { ok: false, reason: "gateway channel without a push secret", unreachable: false };
    return { ok: true, gwId: reply.gwId, secret: reply.secret };
  }

  private verify(direction: StreamDirection, app: string, streamId: string, query: URLSearchParams, policy: SigningPolicy, deviceId: string | undefined): AuthDecision {
    const allowed: AuthDecision = deviceId !== undefined ? { ok: true, deviceId } : { ok: true };
    if (!policy.secretRequired) return allowed;
    const now = Math.floor(this.now() / 1000);
    const check = verifyStreamSignature(`/${app}/${streamId}`, query, policy.secret ?? "", now);
    if (!check.ok) return { ok: false, status: 403, reason: `${direction} signature ${check.reason}` };
    // A URL signed further ahead than the account's window was not signed by the API (spec 01 §5.8).
    if (policy.signWindowSeconds !== undefined && check.expiresAt > now + policy.signWindowSeconds + SIGN_CLOCK_TOLERANCE_SECONDS) {
      return { ok: false, status: 403, reason: `${direction} signature expires beyond the account's ${policy.signWindowSeconds} s window` };
    }
    return allowed;
  }

  private async lookup(direction: StreamDirection, app: string, streamId: string, deviceId?: string): Promise<{ ok: true; reply: AuthorizeReply } | { ok: false; detail: string }> {
    const key = `${direction}\u0000${app}\u0000${deviceId ?? ""}\u0000${streamId}`;
    const cached = this.cache.get(key);
    if (cached !== undefined && this.now() - cached.at < this.options.cacheMs) return { ok: true, reply: cached.reply };
    try {
      const reply = await this.bus.request(streamAuthorize, { clusterId: this.options.clusterId }, { direction, app, streamId, ...(deviceId !== undefined ? { deviceId } : {}) }, { timeoutMs: this.options.timeoutMs });
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(key, { reply, at: this.now() });
      if (direction === "pull" && reply.exists) this.lastPullPolicy = signingPolicy(reply);
      return { ok: true, reply };
    } catch (err) {
      return { ok: false, detail: isBusError(err) ? err.kind : err instanceof Error ? err.message : String(err) };
    }
  }
}
