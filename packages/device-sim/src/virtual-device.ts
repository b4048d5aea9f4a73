import { EventEmitter } from "node:events";
import { buildCatalogNotify, buildKeepaliveNotify, buildMediaStatusNotify, buildResultResponse, decodePtzCmd, parseGbSdp, parseManscdp } from "@ivc/gb28181";
import type { DeviceControl, ManscdpMessage, ManscdpParseResult, OkError } from "@ivc/gb28181";
import {
  buildDigestAuthorization,
  createDialogAsUas,
  createInDialogRequest,
  createNodeSipTransport,
  createResponse,
  generateCallId,
  generateTag,
  getHeader,
  nodeTimers,
  parseDigestChallenge,
  parseNameAddr,
} from "@ivc/sip";
import type { DigestChallenge, ServerTransaction, SipDestination, SipDialog, SipRequest, TransactionTimers } from "@ivc/sip";
import { catalogItem } from "./catalog.js";
import { defaultChannelName, planChannels } from "./channels.js";
import type { SimulatedChannel } from "./channels.js";
import { resolveDeviceOptions } from "./device-options.js";
import type { ResolvedDeviceOptions, VirtualDeviceOptions } from "./device-options.js";
import type { DeviceProfile } from "./device-profile.js";
import { dialogKey, incomingDialogKey, requestUriUser } from "./dialog-match.js";
import type { JournalEntry } from "./journal.js";
import { findLocalRoute } from "./local-route.js";
import type { InviteAnswer } from "./media-responder.js";
import { PresetTable } from "./preset-table.js";
import type { PtzLogEntry } from "./ptz-log.js";
import { answerQuery, type ChannelStore } from "./query-answers.js";
import type { Recording } from "./recordings.js";
import { grantedExpires, refreshDelayMs } from "./register-expiry.js";
import { RegistrationError } from "./registration-error.js";
import { SipEndpoint } from "./sip-endpoint.js";
import type { RequestOutcome } from "./sip-endpoint.js";
import { buildManscdpMessage, buildRegister, contactUri, localVia, MANSCDP_CONTENT_TYPE, serverUri } from "./sip-requests.js";
import type { DeviceAddressing } from "./sip-requests.js";

/** Catalog changes a device reports (GB/T 28181-2016 §9.6.3). */
export type ChannelChange = "ON" | "OFF" | "ADD" | "DEL" | "UPDATE";

export interface VirtualDeviceEvents {
  /** REGISTER (initial or refresh) got a 200; `expires` is the granted lifetime in seconds. */
  registered: [expires: number];
  /** REGISTER was refused (the registrar's status), timed out (408) or could not be sent (503). */
  registerFailed: [status: number, reason: string];
  /** stop() removed the binding (the un-REGISTER got a 2xx). */
  unregistered: [];
  /** Every request received, after it was journaled. */
  messageReceived: [entry: JournalEntry];
  /** All MESSAGEs answering a query were sent; `statuses` are the server's replies to them. */
  queryAnswered: [query: ManscdpMessage, statuses: number[]];
  /** A keepalive MESSAGE completed with this status (408 timeout, 503 unsendable). */
  keepalive: [status: number];
  /** Something the device could not handle (bad input, a throwing responder); it carries on. */
  warning: [text: string];
}

type RegisterResult = { ok: true; expires: number } | { ok: false; status: number; reason: string };

type DeviceState = "idle" | "starting" | "running" | "stopping";

interface Session {
  readonly endpoint: SipEndpoint;
  readonly addressing: DeviceAddressing;
  readonly server: SipDestination;
}

/** One registration (§9.1.2.1): its Call-ID, From tag and CSeq persist across refreshes. */
interface RegistrationState {
  callId: string;
  fromTag: string;
  cseq: number;
  /** Requests answered with the current challenge's nonce (RFC 2617 nc). */
  nonceCount: number;
  challenge?: DigestChallenge;
}

interface CatalogSubscription {
  dialog: SipDialog;
  /** The Event header value to echo in NOTIFY (RFC 6665 §8.2.1: same package and id). */
  readonly event: string;
}

/** After a failed refresh, retry this often: the platform may just be restarting. */
const REGISTER_RETRY_MS = 30_000;

/**
 * Unanswered keepalives after which the device assumes the platform lost it and
 * registers again, as cameras do; platforms declare a device offline after 3 misses.
 */
const KEEPALIVE_MISSES_BEFORE_REGISTER = 3;

const ALLOWED_METHODS = "REGISTER, MESSAGE, SUBSCRIBE, NOTIFY, INVITE, ACK, BYE, CANCEL, OPTIONS, INFO";

function isRecordingList(recordings: ResolvedDeviceOptions["recordings"]): recordings is readonly Recording[] {
  return Array.isArray(recordings);
}

function outcomeStatus(outcome: RequestOutcome): { status: number; reason: string } {
  switch (outcome.kind) {
    case "response":
      return { status: outcome.response.status, reason: outcome.response.reason };
    case "timeout":
      return { status: 408, reason: "no response (transaction timeout)" };
    case "transport-error":
      return { status: 503, reason: "transport error" };
    case "closed":
      return { status: 503, reason: "device stopped" };
  }
}

function isManscdp(request: SipRequest): boolean {
  return request.body.length > 0 && /application\/manscdp\+xml/i.test(getHeader(request, "Content-Type") ?? "");
}

/**
 * A simulated GB28181 IPC or NVR: registers with digest auth (GB/T 28181-2016 §9.1),
 * sends keepalives (§9.6), answers Catalog / DeviceInfo / DeviceStatus queries (§9.5)
 * and catalog subscriptions (§9.11), and hands INVITEs to a MediaResponder.
 */
export class VirtualDevice extends EventEmitter<VirtualDeviceEvents> {
  /** Requests received, oldest first, at most `journalLimit`. */
  readonly journal: JournalEntry[] = [];
  /** PTZCmds received in DeviceControl MESSAGEs, oldest first, at most `journalLimit`. */
  readonly ptzLog: PtzLogEntry[] = [];
  readonly presetTable: PresetTable;
  private readonly options: ResolvedDeviceOptions;
  private readonly profile: DeviceProfile;
  private readonly timers: TransactionTimers;
  private channelList: SimulatedChannel[];
  private state: DeviceState = "idle";
  private session: Session | undefined;
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private registration: RegistrationState = { callId: "", fromTag: "", cseq: 0, nonceCount: 0 };
  private registeredFlag = false;
  private refreshTimer: unknown;
  private keepaliveTimer: unknown;
  private refreshing = false;
  private keepaliveMisses = 0;
  private nextSn = 1;
  private messageCSeq = 0;
  private catalogSubscription: CatalogSubscription | undefined;
  private readonly mediaDialogs = new Map<string, SipDialog>();

  constructor(options: VirtualDeviceOptions) {
    super();
    this.options = resolveDeviceOptions(options);
    const o = this.options;
    this.profile = {
      deviceId: o.deviceId,
      name: o.name,
      manufacturer: o.manufacturer,
      model: o.model,
      firmware: o.firmware,
      charset: o.charset,
      catalogPage: o.catalogPage,
      recordPage: o.recordPage,
      presetPage: o.presetPage,
      utcOffsetMinutes: o.utcOffsetMinutes,
    };
    this.presetTable = new PresetTable(o.presets);
    this.timers = o.timers ?? nodeTimers;
    this.channelList = planChannels({ deviceId: o.deviceId, kind: o.kind, count: o.channels, names: o.channelNames, sameId: o.sameId });
  }

  get deviceId(): string {
    return this.options.deviceId;
  }

  get channels(): readonly SimulatedChannel[] {
    return this.channelList;
  }

  get registered(): boolean {
    return this.registeredFlag;
  }

  /** The bound SIP port (after start()). */
  get localPort(): number | undefined {
    return this.session?.addressing.localPort;
  }

  /** Binds the SIP port and registers; rejects with RegistrationError when the registrar refuses. */
  start(): Promise<void> {
    if (this.state !== "idle") throw new Error(`VirtualDevice.start() called while ${this.state}`);
    this.state = "starting";
    this.starting = this.startSession().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  /** Un-REGISTERs (Expires: 0), then closes the socket. Safe to call at any time, any number of times. */
  stop(): Promise<void> {
    this.stopping ??= this.stopSession().finally(() => {
      this.stopping = undefined;
    });
    return this.stopping;
  }

  /** Sends one keepalive now (also sent every keepaliveInterval); resolves with the server's status. */
  async sendKeepalive(): Promise<number> {
    const body = buildKeepaliveNotify({ sn: this.takeSn(), deviceId: this.deviceId, charset: this.options.charset, status: "OK" });
    const status = await this.sendToServer(body);
    this.safeEmit("keepalive", status);
    this.keepaliveMisses = status >= 200 && status < 300 ? 0 : this.keepaliveMisses + 1;
    if (this.keepaliveMisses >= KEEPALIVE_MISSES_BEFORE_REGISTER && this.state === "running") {
      this.keepaliveMisses = 0;
      this.timers.clearTimeout(this.refreshTimer);
      void this.refresh();
    }
    return status;
  }

  /**
   * Changes a channel and reports it in a catalog NOTIFY (GB/T 28181-2016 §9.6.3):
   * inside the catalog subscription when the platform has one, else as a MESSAGE,
   * which platforms without subscriptions accept. Resolves with the server's status.
   */
  async notifyChannelChange(channelId: string, change: ChannelChange, name?: string): Promise<number> {
    if (this.state !== "running") throw new Error("notifyChannelChange() needs a started device");
    const channel = this.applyChannelChange(channelId, change, name);
    const body = buildCatalogNotify({
      sn: this.takeSn(),
      deviceId: this.deviceId,
      charset: this.options.charset,
      sumNum: 1,
      items: [catalogItem(this.profile, channel, change)],
    });
    const subscription = this.catalogSubscription;
    if (!subscription) return this.sendToServer(body);
    const session = this.requireSession();
    const { request, dialog } = createInDialogRequest(subscription.dialog, "NOTIFY", {
      via: localVia(session.addressing),
      contact: { uri: contactUri(session.addressing), params: {} },
      headers: [
        ["Event", subscription.event],
        ["Subscription-State", "active"],
      ],
      body,
      contentType: MANSCDP_CONTENT_TYPE,
    });
    subscription.dialog = dialog;
    // The platform is a single hop away: NOTIFY goes where REGISTER goes, whatever its Contact says.
    return outcomeStatus(await session.endpoint.request(request, session.server)).status;
  }

  /**
   * Hangs up a media session from the device's side (BYE in its dialog, RFC 3261 §15.1.1), as a
   * camera does when its encoder restarts. Resolves with the platform's status; 481 when no
   * accepted dialog has this Call-ID.
   */
  async endStream(callId: string): Promise<number> {
    const entry = [...this.mediaDialogs].find(([, dialog]) => dialog.callId === callId);
    const session = this.session;
    if (!entry || !session) return 481;
    const [key, dialog] = entry;
    this.mediaDialogs.delete(key);
    this.options.mediaResponder.onBye?.(key);
    const { request } = createInDialogRequest(dialog, "BYE", { via: localVia(session.addressing) });
    // The platform is a single hop away: the BYE goes where REGISTER goes, whatever its Contact says.
    return outcomeStatus(await session.endpoint.request(request, session.server)).status;
  }

  /** MediaStatus 121 for a playback that reached its end (A.2.5.6), by default in a MESSAGE reusing the call's Call-ID. */
  private async sendMediaStatus(channelId: string, callId: string): Promise<number> {
    const body = buildMediaStatusNotify({ sn: this.takeSn(), deviceId: channelId, charset: this.options.charset, notifyType: "121" });
    const entry = [...this.mediaDialogs].find(([, dialog]) => dialog.callId === callId);
    const session = this.session;
    if (this.options.mediaStatusCallId !== "dialog" || !entry || !session) {
      return this.sendToServer(body, this.options.mediaStatusCallId === "new" ? undefined : callId);
    }
    // Inside the call's dialog: From is the channel with our tag, To the platform with its tag.
    const [key, dialog] = entry;
    const { request, dialog: next } = createInDialogRequest(dialog, "MESSAGE", { via: localVia(session.addressing), body, contentType: MANSCDP_CONTENT_TYPE });
    this.mediaDialogs.set(key, next);
    return outcomeStatus(await session.endpoint.request(request, session.server)).status;
  }

  /** Sends a MANSCDP body built by the caller (a vendor's message) in an out-of-dialog MESSAGE; resolves with the server's status. */
  sendManscdp(body: Buffer): Promise<number> {
    return this.sendToServer(body);
  }

  /** Call-IDs of the accepted media dialogs. */
  get mediaCallIds(): string[] {
    return [...this.mediaDialogs.values()].map((dialog) => dialog.callId);
  }

  private async startSession(): Promise<void> {
    const o = this.options;
    try {
      const route = await findLocalRoute(o.serverHost, o.serverPort);
      const transport = await createNodeSipTransport({ host: o.localHost, port: o.localPort });
      const addressing: DeviceAddressing = {
        deviceId: o.deviceId,
        domain: o.domain,
        serverId: o.serverId,
        protocol: o.transport,
        localHost: o.localHost === "0.0.0.0" ? route.localAddress : o.localHost,
        localPort: transport.port,
      };
      const endpoint = new SipEndpoint(
        transport,
        {
          onRequest: (request, transaction, remote) => this.onRequest(request, transaction, remote),
          onAck: (ack) => this.onAck(ack),
        },
        { ...(o.timers ? { timers: o.timers } : {}), ...(o.timerConfig ? { timerConfig: o.timerConfig } : {}) },
      );
      this.session = { endpoint, addressing, server: { protocol: o.transport, address: route.remoteAddress, port: o.serverPort } };
      this.registration = { callId: generateCallId(addressing.localHost), fromTag: generateTag(), cseq: 0, nonceCount: 0 };
      this.keepaliveMisses = 0;
    } catch (error) {
      this.state = "idle";
      throw error;
    }
    // stop() during start: it closes what exists and resets the state; we close what it could not see.
    if (this.state !== "starting") {
      await this.closeSession();
      throw new RegistrationError(503, "device stopped while starting");
    }
    const result = await this.register(o.expires);
    if (this.state !== "starting") throw new RegistrationError(503, "device stopped while registering");
    if (!result.ok) {
      this.safeEmit("registerFailed", result.status, result.reason);
      await this.closeSession();
      this.state = "idle";
      throw new RegistrationError(result.status, result.reason);
    }
    this.state = "running";
    this.onRegistered(result.expires);
    this.scheduleKeepalive();
  }

  private async stopSession(): Promise<void> {
    if (this.state === "starting") {
      // Nothing is registered yet: abandon the pending REGISTER rather than wait out Timer F.
      this.state = "stopping";
      await this.closeSession();
      await this.starting?.catch(() => undefined);
      this.state = "idle";
      return;
    }
    if (this.state !== "running") return;
    this.state = "stopping";
    this.timers.clearTimeout(this.refreshTimer);
    this.timers.clearTimeout(this.keepaliveTimer);
    if (this.registeredFlag) {
      // A vanished platform would hold the un-REGISTER for a whole Timer F (32 s).
      let deadline: unknown;
      const timedOut = new Promise<undefined>((resolve) => {
        deadline = this.timers.setTimeout(() => resolve(undefined), this.options.stopTimeoutMs);
      });
      const result = await Promise.race([this.register(0), timedOut]);
      this.timers.clearTimeout(deadline);
      this.registeredFlag = false;
      if (result?.ok) this.safeEmit("unregistered");
    }
    for (const key of this.mediaDialogs.keys()) this.options.mediaResponder.onBye?.(key);
    this.mediaDialogs.clear();
    this.catalogSubscription = undefined;
    await this.closeSession();
    this.state = "idle";
  }

  private async closeSession(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.endpoint.close();
  }

  /**
   * Emits without letting a throwing listener break the device: most events fire from
   * timers and socket callbacks, where an exception would end the process.
   */
  private safeEmit<K extends keyof VirtualDeviceEvents>(event: K, ...args: VirtualDeviceEvents[K]): void {
    try {
      // TS cannot see that K's tuple is the conditional type emit() expects for a generic K.
      (this.emit as (name: K, ...rest: VirtualDeviceEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      if (event !== "warning") this.safeEmit("warning", `${event} listener threw: ${(error as Error).message}`);
    }
  }

  private requireSession(): Session {
    if (!this.session) throw new Error("VirtualDevice has no SIP session");
    return this.session;
  }

  private takeSn(): number {
    return this.nextSn++;
  }

  /** The Authorization for the next REGISTER from the last challenge (nonce count advanced), if any. */
  private nextAuthorization(addressing: DeviceAddressing): string | undefined {
    const { challenge } = this.registration;
    if (!challenge) return undefined;
    this.registration.nonceCount += 1;
    return buildDigestAuthorization({
      challenge,
      username: this.deviceId,
      password: this.options.wrongPassword ? `${this.options.password}-wrong` : this.options.password,
      method: "REGISTER",
      uri: serverUri(addressing),
      nonceCount: this.registration.nonceCount,
    });
  }

  /**
   * One registration attempt (GB/T 28181-2016 §9.1.2.1): same Call-ID, CSeq + 1 per
   * request. Credentials from the last challenge are reused; a 401 gets exactly one
   * retry with the fresh challenge, so a wrong password fails instead of looping.
   */
  private async register(expires: number): Promise<RegisterResult> {
    const { endpoint, addressing, server } = this.requireSession();
    let authorization = this.nextAuthorization(addressing);
    for (let attempt = 0; ; attempt++) {
      const request = buildRegister(addressing, {
        callId: this.registration.callId,
        cseq: ++this.registration.cseq,
        fromTag: this.registration.fromTag,
        expires,
        ...(authorization === undefined ? {} : { authorization }),
      });
      const outcome = await endpoint.request(request, server);
      if (outcome.kind !== "response") return { ok: false, ...outcomeStatus(outcome) };
      const { response } = outcome;
      if (response.status >= 200 && response.status < 300) {
        return { ok: true, expires: grantedExpires(response, contactUri(addressing), expires) };
      }
      if (response.status !== 401 || attempt > 0) return { ok: false, status: response.status, reason: response.reason };
      const challenge = parseDigestChallenge(getHeader(response, "WWW-Authenticate") ?? "");
      if (!challenge) return { ok: false, status: 401, reason: "401 without a usable Digest challenge" };
      this.registration.challenge = challenge;
      this.registration.nonceCount = 0;
      authorization = this.nextAuthorization(addressing);
      if (authorization === undefined) return { ok: false, status: 401, reason: "Digest challenge is not MD5 / qop=auth" };
    }
  }

  private onRegistered(expires: number): void {
    this.registeredFlag = true;
    this.safeEmit("registered", expires);
    // A registrar granting 0 s would make us refresh in a tight loop; treat it as 1 s.
    this.refreshTimer = this.timers.setTimeout(() => void this.refresh(), refreshDelayMs(Math.max(1, expires)));
  }

  private async refresh(): Promise<void> {
    // A keepalive-triggered registration may race the refresh timer; one is enough.
    if (this.refreshing || this.state !== "running") return;
    this.refreshing = true;
    const result = await this.register(this.options.expires).finally(() => {
      this.refreshing = false;
    });
    if (this.state !== "running") return;
    if (result.ok) {
      this.onRegistered(result.expires);
      return;
    }
    this.registeredFlag = false;
    this.safeEmit("registerFailed", result.status, result.reason);
    this.refreshTimer = this.timers.setTimeout(() => void this.refresh(), REGISTER_RETRY_MS);
  }

  private scheduleKeepalive(): void {
    const interval = this.options.keepaliveInterval;
    if (interval === false) return;
    this.keepaliveTimer = this.timers.setTimeout(() => {
      void this.sendKeepalive().finally(() => {
        if (this.state === "running") this.scheduleKeepalive();
      });
    }, interval * 1000);
  }

  /** Sends a MANSCDP body in its own out-of-dialog MESSAGE; resolves with the server's status. */
  private async sendToServer(body: Buffer, callId?: string): Promise<number> {
    const session = this.session;
    if (!session) return outcomeStatus({ kind: "closed" }).status;
    const request = buildManscdpMessage(session.addressing, {
      callId: callId ?? generateCallId(session.addressing.localHost),
      cseq: ++this.messageCSeq,
      fromTag: generateTag(),
      body,
    });
    return outcomeStatus(await session.endpoint.request(request, session.server)).status;
  }

  private record(request: SipRequest, remote: SipDestination): JournalEntry {
    const manscdp: ManscdpParseResult | undefined = isManscdp(request) ? parseManscdp(request.body) : undefined;
    const entry: JournalEntry = { receivedAt: Date.now(), method: request.method, request, remote, ...(manscdp ? { manscdp } : {}) };
    this.journal.push(entry);
    if (this.journal.length > this.options.journalLimit) this.journal.splice(0, this.journal.length - this.options.journalLimit);
    return entry;
  }

  private onRequest(request: SipRequest, transaction: ServerTransaction, remote: SipDestination): void {
    try {
      const entry = this.record(request, remote);
      this.safeEmit("messageReceived", entry);
      this.dispatch(request, transaction, remote, entry.manscdp);
    } catch (error) {
      this.safeEmit("warning", `${request.method} handling failed: ${(error as Error).message}`);
      transaction.respond(createResponse(request, 500));
    }
  }

  private dispatch(request: SipRequest, transaction: ServerTransaction, remote: SipDestination, manscdp: ManscdpParseResult | undefined): void {
    const respond = (status: number, headers?: Array<[string, string]>) =>
      transaction.respond(createResponse(request, status, headers ? { headers } : {}));
    switch (request.method) {
      case "MESSAGE":
        this.onManscdpMessage(request, transaction, manscdp);
        return;
      case "SUBSCRIBE":
        this.onSubscribe(request, transaction);
        return;
      case "INVITE":
        this.onInvite(request, transaction, remote).catch((error: Error) => {
          this.safeEmit("warning", `INVITE handling failed: ${error.message}`);
          transaction.respond(createResponse(request, 500));
        });
        return;
      case "BYE":
        this.onBye(request, transaction);
        return;
      case "INFO":
        this.onInfo(request, transaction);
        return;
      case "CANCEL":
        this.onCancel(request, transaction);
        return;
      case "OPTIONS":
        respond(200, [["Allow", ALLOWED_METHODS]]);
        return;
      default:
        respond(405, [["Allow", ALLOWED_METHODS]]);
    }
  }

  private onManscdpMessage(request: SipRequest, transaction: ServerTransaction, manscdp: ManscdpParseResult | undefined): void {
    if (!manscdp || (!manscdp.ok && !manscdp.header)) {
      this.safeEmit("warning", `MESSAGE with an unreadable body: ${manscdp && !manscdp.ok ? manscdp.reason : "not MANSCDP"}`);
      transaction.respond(createResponse(request, 400));
      return;
    }
    const cmdType = manscdp.ok ? manscdp.cmdType : manscdp.header?.cmdType;
    if (cmdType !== undefined && this.options.dropCmdTypes.includes(cmdType)) return;
    // §9.5.2: the 200 only acknowledges receipt; the answer follows as a new MESSAGE.
    transaction.respond(createResponse(request, 200));
    // A platform queries as soon as its 200 OK is out; over TCP the query can share one read with that
    // 200, before start() has moved to "running", so a device still "starting" answers too.
    if (!manscdp.ok || (this.state !== "running" && this.state !== "starting")) return;
    if (manscdp.kind === "Control" && manscdp.cmdType === "DeviceControl") {
      this.onDeviceControl(manscdp);
      return;
    }
    if (this.options.muteCmdTypes.includes(manscdp.cmdType)) return;
    const bodies = answerQuery(manscdp, this.profile, this.channelList, new Date(), this.channelStore());
    if (bodies.length === 0) return;
    void Promise.all(bodies.map((body) => this.sendToServer(body))).then((statuses) => this.safeEmit("queryAnswered", manscdp, statuses));
  }

  /**
   * DeviceControl (A.2.3.1): a PTZCmd is decoded and logged, preset commands change the preset
   * table, and a Result Response follows when `deviceControlResult` asks for one.
   */
  private onDeviceControl(control: DeviceControl): void {
    let result: OkError = "OK";
    if (control.ptzCmd !== undefined) {
      const decoded = decodePtzCmd(control.ptzCmd);
      const hex = control.ptzCmd.trim().toUpperCase();
      this.ptzLog.push({
        receivedAt: Date.now(),
        channelId: control.deviceId,
        ptzCmd: hex,
        bytes: /^[0-9A-F]{16}$/.test(hex) ? Array.from(Buffer.from(hex, "hex")) : [],
        ...(decoded.ok ? { command: decoded.command } : {}),
      });
      if (this.ptzLog.length > this.options.journalLimit) this.ptzLog.splice(0, this.ptzLog.length - this.options.journalLimit);
      if (!decoded.ok) result = "ERROR";
      else if (decoded.command.type === "preset" && !this.presetTable.apply(control.deviceId, decoded.command)) result = "ERROR";
    }
    const answer = this.options.deviceControlResult;
    if (answer === undefined || this.options.muteCmdTypes.includes(control.cmdType)) return;
    const body = buildResultResponse({
      sn: control.sn,
      deviceId: control.deviceId,
      charset: this.options.charset,
      cmdType: "DeviceControl",
      result: answer === "ERROR" ? "ERROR" : result,
    });
    void this.sendToServer(body);
  }

  private channelStore(): ChannelStore {
    const { recordings } = this.options;
    return {
      recordings: (channelId): readonly Recording[] => (isRecordingList(recordings) ? recordings : (recordings[channelId] ?? [])),
      presets: (channelId) => this.presetTable.list(channelId),
    };
  }

  private onSubscribe(request: SipRequest, transaction: ServerTransaction): void {
    const event = getHeader(request, "Event") ?? "";
    if (!/^catalog\b/i.test(event.trim())) {
      transaction.respond(createResponse(request, 489));
      return;
    }
    const existingTag = parseNameAddr(getHeader(request, "To") ?? "")?.params.tag ?? undefined;
    const toTag = existingTag ?? generateTag();
    const expiresText = getHeader(request, "Expires") ?? "3600";
    const expires = /^\d{1,10}$/.test(expiresText) ? Number(expiresText) : 3600;
    const session = this.requireSession();
    transaction.respond(
      createResponse(request, 200, {
        toTag,
        headers: [
          ["Contact", `<${contactUri(session.addressing)}>`],
          ["Expires", String(expires)],
        ],
      }),
    );
    if (expires === 0) {
      this.catalogSubscription = undefined;
      return;
    }
    const dialog = createDialogAsUas(request, toTag);
    if (!dialog) {
      this.safeEmit("warning", "catalog SUBSCRIBE without Contact or From tag: changes will go out as MESSAGE");
      return;
    }
    const current = this.catalogSubscription;
    // A refresh inside the dialog keeps our CSeq counting up (RFC 3261 §12.2.1.1).
    const sameDialog = current !== undefined && dialogKey(current.dialog) === dialogKey(dialog);
    this.catalogSubscription = { dialog: sameDialog ? current.dialog : dialog, event: event.trim() };
  }

  private async onInvite(request: SipRequest, transaction: ServerTransaction, remote: SipDestination): Promise<void> {
    const toTag = generateTag();
    const dialog = createDialogAsUas(request, toTag);
    const session = this.session;
    if (!dialog || !session) {
      transaction.respond(createResponse(request, dialog ? 480 : 400, { toTag }));
      return;
    }
    const key = dialogKey(dialog);
    const sdp = request.body.length > 0 ? parseGbSdp(request.body.toString("utf8")) : undefined;
    let answer: InviteAnswer;
    try {
      answer = await this.options.mediaResponder.answerInvite({
        request,
        channelId: requestUriUser(request) ?? "",
        sdp,
        remote,
        localAddress: session.addressing.localHost,
        dialogKey: key,
        reportEndOfFile: () => this.sendMediaStatus(requestUriUser(request) ?? this.deviceId, dialog.callId),
        recordings: this.channelStore().recordings(requestUriUser(request) ?? ""),
      });
    } catch (error) {
      this.safeEmit("warning", `media responder failed: ${(error as Error).message}`);
      answer = { status: 500 };
    }
    const accepted = answer.status >= 200 && answer.status < 300;
    transaction.respond(
      createResponse(request, answer.status, {
        toTag,
        ...(answer.reason === undefined ? {} : { reason: answer.reason }),
        ...(answer.body === undefined ? {} : { body: answer.body }),
        ...(answer.contentType === undefined ? {} : { contentType: answer.contentType }),
        ...(accepted ? { headers: [["Contact", `<${contactUri(session.addressing)}>`]] } : {}),
      }),
    );
    if (accepted) this.mediaDialogs.set(key, dialog);
  }

  private onAck(ack: SipRequest): void {
    const key = incomingDialogKey(ack);
    if (key !== undefined && this.mediaDialogs.has(key)) this.options.mediaResponder.onAck?.(key);
  }

  private onBye(request: SipRequest, transaction: ServerTransaction): void {
    const key = incomingDialogKey(request);
    if (key === undefined || !this.mediaDialogs.delete(key)) {
      transaction.respond(createResponse(request, 481));
      return;
    }
    transaction.respond(createResponse(request, 200));
    this.options.mediaResponder.onBye?.(key);
  }

  private onInfo(request: SipRequest, transaction: ServerTransaction): void {
    const key = incomingDialogKey(request);
    if (key === undefined || !this.mediaDialogs.has(key)) {
      transaction.respond(createResponse(request, 481));
      return;
    }
    const status = this.options.mediaResponder.onInfo?.(key, request.body, getHeader(request, "Content-Type")) ?? 200;
    transaction.respond(createResponse(request, status));
  }

  private onCancel(request: SipRequest, transaction: ServerTransaction): void {
    const invite = this.session?.endpoint.findCancelledInvite(request);
    if (!invite) {
      transaction.respond(createResponse(request, 481));
      return;
    }
    transaction.respond(createResponse(request, 200));
    // Ignored by the transaction when the INVITE already has its final response.
    invite.respond(createResponse(invite.request, 487));
  }

  private applyChannelChange(channelId: string, change: ChannelChange, name: string | undefined): SimulatedChannel {
    const index = this.channelList.findIndex((channel) => channel.id === channelId);
    const existing = this.channelList[index];
    if (change === "ADD") {
      if (existing) throw new Error(`channel ${channelId} already exists`);
      const added: SimulatedChannel = { id: channelId, name: name ?? defaultChannelName(this.channelList.length + 1), status: "ON" };
      this.channelList = [...this.channelList, added];
      return added;
    }
    if (!existing) throw new Error(`no channel ${channelId}`);
    if (change === "DEL") {
      this.channelList = this.channelList.filter((channel) => channel.id !== channelId);
      return existing;
    }
    const updated: SimulatedChannel = {
      ...existing,
      ...(name === undefined ? {} : { name }),
      ...(change === "ON" || change === "OFF" ? { status: change } : {}),
    };
    this.channelList = this.channelList.map((channel) => (channel.id === channelId ? updated : channel));
    return updated;
  }
}
