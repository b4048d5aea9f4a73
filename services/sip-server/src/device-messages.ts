import { parseManscdp, type CatalogItem, type ManscdpFailure, type ManscdpMessage } from "@ivc/gb28181";
import type { Logger } from "@ivc/runtime";
import { getHeader, type SipRequest } from "@ivc/sip";
import type { Clock } from "./clock.js";
import { checkSource, describeSource, type SourceVerdict } from "./device-binding.js";
import { isDeviceCode } from "./device-identity.js";
import type { SipServerMetrics } from "./metrics.js";
import type { RegistrationStore } from "./registration-store.js";
import type { IncomingSipRequest } from "./sip-endpoint.js";

/** CmdTypes are device-chosen text: past this many distinct ones, no more are logged. */
const MAX_UNSUPPORTED_TYPES_LOGGED = 64;

export interface DeviceMessagesOptions {
  clock: Clock;
  store: RegistrationStore;
  metrics: SipServerMetrics;
  /** Everything but keepalives, after the 200 OK went out; `callId` is the MESSAGE's. */
  onManscdp: (deviceId: string, message: ManscdpMessage, callId: string | undefined) => void;
  onCatalogChanges: (deviceId: string, items: readonly CatalogItem[]) => void;
  /** The device whose call an in-dialog request belongs to (matched by Call-ID and tags), if any. */
  dialogDevice: (request: SipRequest) => Promise<string | undefined>;
}

/**
 * MESSAGE and NOTIFY from devices. Each is answered before it is processed, so a device sending
 * 300 catalog parts is never slowed (or made to retransmit) by our publishing.
 *
 * Requests from a device that is not registered get 403, keepalives included. Some platforms
 * answer such keepalives 200; but then a device the server dropped (after an outage longer than
 * the keepalive window) keeps heartbeating happily and stays offline until its registration
 * expires, which can be an hour. A refused keepalive makes devices register again at once, and
 * a keepalive cannot bring a device online by itself since it carries no authentication.
 * For the same reason a request naming a registered device from another source than its last
 * authenticated REGISTER gets 403 and changes nothing (device-binding.ts).
 */
export class DeviceMessages {
  private readonly unsupportedSeen = new Set<string>();

  constructor(private readonly options: DeviceMessagesOptions) {}

  async handleMessage(incoming: IncomingSipRequest): Promise<void> {
    const { request, logger } = incoming;
    // In a call's dialog (MediaStatus 121) the From user is the channel, not the device.
    const deviceId = (await this.options.dialogDevice(request)) ?? incoming.senderCode;
    if (!isDeviceCode(deviceId)) {
      logger.warn({ peer: incoming.remote.address }, "MESSAGE refused: From carries no 20-digit code");
      incoming.respond(403);
      return;
    }
    const parsed = parseManscdp(request.body);
    if (!parsed.ok && parsed.header === undefined) {
      logger.warn({ peer: incoming.remote.address, reason: parsed.reason, bytes: request.body.length }, "unreadable MANSCDP body");
      incoming.respond(400);
      return;
    }
    if (parsed.ok && parsed.kind === "Notify" && parsed.cmdType === "Keepalive") {
      const outcome = await this.options.store.refreshKeepalive(deviceId, this.options.clock.now(), parsed.charset, incoming.remote);
      if (outcome === "wrong-source") return this.refuseWrongSource(incoming);
      const registered = outcome === "refreshed";
      this.options.metrics.keepalives.inc({ result: registered ? "accepted" : "not-registered" });
      if (!registered) logger.info({ peer: incoming.remote.address }, "keepalive from an unregistered device refused");
      incoming.respond(registered ? 200 : 403);
      return;
    }
    const verdict = await this.sourceVerdict(deviceId, incoming);
    if (verdict === "wrong-source") return this.refuseWrongSource(incoming);
    if (verdict === "unregistered") {
      logger.info({ peer: incoming.remote.address, cmdType: parsed.ok ? parsed.cmdType : parsed.header?.cmdType }, "MESSAGE from an unregistered device refused");
      incoming.respond(403);
      return;
    }
    incoming.respond(200);
    if (!parsed.ok) this.noteUnsupported(parsed, logger);
    else if (parsed.kind === "Notify" && parsed.cmdType === "Catalog") this.options.onCatalogChanges(deviceId, parsed.items);
    else this.options.onManscdp(deviceId, parsed, getHeader(request, "Call-ID"));
  }

  /**
   * A well-formed MANSCDP message we do not act on (a Hikvision ConfigDownload response, a vendor
   * CmdType) was answered 200: refusing it makes devices retransmit. Logged once per kind and CmdType.
   */
  private noteUnsupported(failure: ManscdpFailure, logger: Logger): void {
    const type = `${failure.header?.kind} ${failure.header?.cmdType}`;
    if (this.unsupportedSeen.has(type) || this.unsupportedSeen.size >= MAX_UNSUPPORTED_TYPES_LOGGED) return;
    this.unsupportedSeen.add(type);
    logger.info({ manscdp: type, reason: failure.reason }, "MANSCDP message not handled (answered 200; logged once per type)");
  }

  /** NOTIFY for a catalog subscription (§9.6.3); 481 when the device is not registered (RFC 6665 §4.2.2). */
  async handleNotify(incoming: IncomingSipRequest): Promise<void> {
    const { request, logger } = incoming;
    const deviceId = incoming.senderCode;
    const verdict = isDeviceCode(deviceId) ? await this.sourceVerdict(deviceId, incoming) : "unregistered";
    if (verdict === "wrong-source") return this.refuseWrongSource(incoming);
    if (verdict === "unregistered" || !isDeviceCode(deviceId)) {
      incoming.respond(481);
      return;
    }
    const parsed = parseManscdp(request.body);
    if (!parsed.ok && parsed.header === undefined) {
      logger.warn({ peer: incoming.remote.address, reason: parsed.reason }, "unreadable NOTIFY body");
      incoming.respond(400);
      return;
    }
    incoming.respond(200);
    if (!parsed.ok) this.noteUnsupported(parsed, logger);
    else if (parsed.kind === "Notify" && parsed.cmdType === "Catalog") this.options.onCatalogChanges(deviceId, parsed.items);
    else if (parsed.kind === "Notify" && parsed.cmdType === "MobilePosition") this.options.onManscdp(deviceId, parsed, getHeader(request, "Call-ID"));
    else logger.debug({ cmdType: parsed.cmdType }, "NOTIFY ignored");
  }

  private async sourceVerdict(deviceId: string, incoming: IncomingSipRequest): Promise<SourceVerdict> {
    return checkSource(await this.options.store.boundSource(deviceId), incoming.remote);
  }

  private refuseWrongSource(incoming: IncomingSipRequest): void {
    const { request, remote, logger } = incoming;
    this.options.metrics.wrongSource.inc({ method: request.method });
    logger.warn(
      { stage: "source check", peer: describeSource(remote), method: request.method },
      "request naming a registered device from another source refused (only a digest REGISTER moves a device)",
    );
    incoming.respond(403);
  }
}
