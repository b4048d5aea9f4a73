import { BusHandlerError, mediaClose, type Bus } from "@ivc/bus";
import { buildMansrtsp } from "@ivc/gb28181";
import type { Logger } from "@ivc/runtime";
import {
  createCancel,
  createDialogAsUac,
  createInDialogRequest,
  getHeader,
  parseNameAddr,
  type SipDestination,
  type SipDialog,
  type SipRequest,
  type SipResponse,
} from "@ivc/sip";
import { deviceOfChannel, type ChannelIndex } from "./channel-index.js";
import type { Clock } from "./clock.js";
import { destinationOf, type DeviceRequester } from "./device-requester.js";
import { inviteOffer, inviteSubject, readDeviceAnswer, type InviteKind } from "./invite-sdp.js";
import type { MediaDialog, MediaDialogStore } from "./media-dialog-store.js";
import { playbackCommand, type PlaybackControlInput } from "./playback-command.js";
import type { RegistrationStore } from "./registration-store.js";
import { SipRequestFailure, type IncomingSipRequest, type SipEndpoint } from "./sip-endpoint.js";

export interface InviteRequest {
  streamId: string;
  channelId: string;
  deviceId?: string | undefined;
  mediaIp: string;
  mediaPort: number;
  ssrc: string;
  transport: "udp" | "tcp-passive" | "tcp-active";
  kind: InviteKind;
  start?: number | undefined;
  end?: number | undefined;
  /** 0 main, 1 sub: goes into the offer as a=streamnumber / a=streamprofile. */
  streamNumber?: number | undefined;
  /** Downloads: a=downloadspeed. */
  speed?: number | undefined;
}

export interface InviteReply {
  callId: string;
  deviceSsrc?: string;
  deviceIp?: string;
  devicePort?: number;
}

export interface MediaSessionsOptions {
  bus: Bus;
  clusterId: string;
  serverId: string;
  endpoint: SipEndpoint;
  requester: DeviceRequester;
  registrations: RegistrationStore;
  dialogs: MediaDialogStore;
  channels: ChannelIndex;
  clock: Clock;
  logger: Logger;
  /** Wait for a final answer before giving up with sip_timeout (CANCEL after a provisional). */
  inviteTimeoutMs: number;
  /** How long a sent ACK is kept to answer retransmitted 2xx (RFC 3261 §13.3.1.4: 64·T1). */
  ackRetainMs: number;
}

const SDP_CONTENT_TYPE = "APPLICATION/SDP";
/** GB/T 28181-2016 §9.8.2: the INFO body type for playback control. */
const MANSRTSP_CONTENT_TYPE = "Application/MANSRTSP";

/**
 * Live, playback and download INVITE sessions with devices for the media relay (GB/T 28181-2016 §9.2):
 * INVITE with the relay's address and SSRC, ACK, BYE from either side. Dialogs are in Redis, so
 * another instance or a restarted one can still hang up; the relay hears of every dialog the
 * device or its disappearance ended (media.close).
 */
export class MediaSessions {
  /** ACKs sent, by Call-ID, re-sent when the device retransmits its 2xx (it missed our ACK). */
  private readonly sentAcks = new Map<string, { ack: SipRequest; destination: SipDestination; timer: NodeJS.Timeout }>();
  private readonly pendingTimers = new Set<NodeJS.Timeout>();

  constructor(private readonly options: MediaSessionsOptions) {
    options.endpoint.onStrayResponse = (response) => this.onStrayResponse(response);
  }

  get retained(): { sentAcks: number; inviteTimers: number } {
    return { sentAcks: this.sentAcks.size, inviteTimers: this.pendingTimers.size };
  }

  /** Sends the INVITE and resolves after the 200 OK was acknowledged; rejects with BusHandlerError codes. */
  async invite(request: InviteRequest): Promise<InviteReply> {
    const { registrations, channels, requester, serverId } = this.options;
    const deviceId = await deviceOfChannel(channels, request.deviceId, request.channelId);
    const log = this.options.logger.child({ deviceId, channelId: request.channelId, streamId: request.streamId });
    const registration = await registrations.get(deviceId);
    if (!registration) {
      const unknown = request.deviceId === undefined && deviceId === request.channelId;
      log.warn({ stage: "device offline" }, unknown ? "INVITE not sent: no registered device reports this channel" : "INVITE not sent: device is not registered");
      throw new BusHandlerError("device_offline", unknown ? `no registered device reports channel ${request.channelId}` : `device ${deviceId} is not registered`);
    }
    const offer = inviteOffer(request);
    if (offer === undefined) throw new BusHandlerError("bad_request", `${request.kind} needs start and end`);
    const invite = requester.build(registration, "INVITE", {
      target: request.channelId,
      body: Buffer.from(offer),
      contentType: SDP_CONTENT_TYPE,
      headers: [["Subject", inviteSubject(request.channelId, request.ssrc, serverId)]],
      withContact: true,
    });
    const callId = getHeader(invite, "Call-ID") ?? "";
    const callLog = log.child({ callId });
    callLog.info({ transport: request.transport, media: `${request.mediaIp}:${request.mediaPort}`, ssrc: request.ssrc, kind: request.kind, streamNumber: request.streamNumber, speed: request.speed }, "INVITE sent");
    const response = await this.awaitAnswer(invite, destinationOf(registration), callLog);
    const dialog = createDialogAsUac(invite, response);
    if (!dialog) {
      // Without a To tag or Contact there is no dialog to acknowledge or end.
      callLog.warn({ stage: "bad answer" }, "200 OK without To tag or Contact: the call cannot be set up");
      throw new BusHandlerError("sip_bad_answer", `the device's 200 OK to ${request.channelId} has no To tag or Contact`);
    }
    const destination = destinationOf(registration);
    await this.acknowledge(dialog, destination);
    const answer = readDeviceAnswer(response.body);
    if (!answer.ok) {
      callLog.warn({ stage: "bad answer", reason: answer.reason }, "device answered without usable SDP; hanging up");
      this.sendBye(dialog, destination, callLog);
      throw new BusHandlerError("sip_bad_answer", answer.reason);
    }
    await this.options.dialogs.save({
      dialog,
      streamId: request.streamId,
      deviceId,
      channelId: request.channelId,
      destination,
      createdAt: this.options.clock.now(),
      kind: request.kind,
    });
    const { deviceSsrc, deviceIp, devicePort, setup } = answer.answer;
    callLog.info({ deviceSsrc, deviceIp, devicePort, setup, offeredSsrc: request.ssrc }, "call established");
    return {
      callId,
      ...(deviceSsrc === undefined ? {} : { deviceSsrc }),
      ...(deviceIp === undefined ? {} : { deviceIp }),
      ...(devicePort === undefined ? {} : { devicePort }),
    };
  }

  /** sip.bye from the relay: BYE in the dialog, which is forgotten. False when no such dialog remains. */
  async bye(callId: string, reason: string | undefined): Promise<boolean> {
    const record = await this.options.dialogs.get(callId);
    if (!record) return false;
    const taken = await this.options.dialogs.take(callId, record.deviceId);
    if (!taken) return false;
    const log = this.logFor(taken);
    log.info({ reason }, "hanging up (relay asked)");
    this.sendBye(taken.dialog, await this.currentDestination(taken), log);
    return true;
  }

  /** A BYE from the device (RFC 3261 §15.1.2): 200 OK, the dialog ends, the relay closes the stream. */
  /**
   * The media dialog a request from the device belongs to (RFC 3261 §12.2.2): same Call-ID, its
   * From tag the device's and its To tag ours. Inside a call the From user is the channel, so
   * this, not the From user, names the device.
   */
  async dialogOf(request: SipRequest): Promise<MediaDialog | undefined> {
    const toTag = parseNameAddr(getHeader(request, "To") ?? "")?.params.tag;
    if (toTag === undefined) return undefined;
    const record = await this.options.dialogs.get(getHeader(request, "Call-ID") ?? "");
    const fromTag = parseNameAddr(getHeader(request, "From") ?? "")?.params.tag;
    return record && fromTag === record.dialog.remoteTag && toTag === record.dialog.localTag ? record : undefined;
  }

  async handleBye(incoming: IncomingSipRequest): Promise<void> {
    const record = await this.dialogOf(incoming.request);
    if (!record) {
      incoming.respond(481);
      return;
    }
    const taken = await this.options.dialogs.take(record.dialog.callId, record.deviceId);
    incoming.respond(taken ? 200 : 481);
    if (!taken) return;
    const log = this.logFor(taken);
    log.info("device hung up (BYE)");
    await this.closeStream(taken, "device sent BYE", log);
  }

  /**
   * Playback control (GB/T 28181-2016 §9.8.2): MANSRTSP in an INFO on the stream's dialog, with
   * the dialog's next SIP and MANSRTSP CSeqs. Resolves on the device's 2xx; rejects with
   * stream_not_found (no dialog), device_refused (≥300), sip_timeout, bad_request.
   */
  async playbackControl(streamId: string, input: PlaybackControlInput): Promise<void> {
    if (playbackCommand(input, 0) === undefined) throw new BusHandlerError("bad_request", "pos and scale cannot be combined");
    const { dialogs } = this.options;
    const record = await dialogs.byStream(streamId);
    const sequences = record ? await dialogs.nextSequences(record) : undefined;
    if (!record || !sequences) throw new BusHandlerError("stream_not_found", `no call for stream ${streamId}`);
    const command = playbackCommand(input, sequences.mansrtsp);
    if (!command) throw new BusHandlerError("bad_request", "pos and scale cannot be combined");
    const log = this.logFor(record);
    const destination = await this.currentDestination(record);
    const { request } = createInDialogRequest(
      { ...record.dialog, localSeq: sequences.sip - 1 },
      "INFO",
      { via: this.options.endpoint.via(destination.protocol), body: Buffer.from(buildMansrtsp(command)), contentType: MANSRTSP_CONTENT_TYPE },
    );
    let status: number;
    try {
      status = (await this.options.endpoint.request(request, destination)).status;
    } catch (err) {
      const unreachable = err instanceof SipRequestFailure && err.reason === "transport";
      log.warn({ stage: unreachable ? "SIP transport" : "SIP timeout", method: command.method }, "playback control unanswered");
      throw new BusHandlerError(unreachable ? "sip_unreachable" : "sip_timeout", `INFO ${command.method} for ${streamId} unanswered`);
    }
    if (status >= 300) {
      log.warn({ stage: "device refused", status, method: command.method }, "playback control refused");
      throw new BusHandlerError("device_refused", `device answered INFO ${command.method} with ${status}`);
    }
    log.info({ method: command.method, mansrtspCSeq: command.cseq, ...input }, "playback control done");
  }

  /**
   * MediaStatus 121 (A.2.5.6): the device reached the end of a playback or download. The call it
   * ends is the one whose Call-ID the MESSAGE reuses (Hikvision and Dahua do so), else every
   * playback/download of the device for the channel the body names. Each is hung up (BYE) and
   * the relay told, as when the device itself sends BYE.
   */
  async endOfFile(deviceId: string, callId: string | undefined, channelId: string): Promise<void> {
    const { dialogs } = this.options;
    const same = callId === undefined ? undefined : await dialogs.get(callId);
    let records: MediaDialog[];
    if (same && same.deviceId === deviceId) {
      records = [same];
    } else {
      const all = await Promise.all((await dialogs.callIdsOf(deviceId)).map((id) => dialogs.get(id)));
      records = all.filter((r): r is MediaDialog => r !== undefined && r.channelId === channelId && (r.kind === "playback" || r.kind === "download"));
    }
    for (const record of records) {
      const taken = await dialogs.take(record.dialog.callId, deviceId);
      if (!taken) continue;
      const log = this.logFor(taken);
      log.info("device reports end of file (MediaStatus 121): hanging up");
      this.sendBye(taken.dialog, await this.currentDestination(taken), log);
      await this.closeStream(taken, "end of file (MediaStatus 121)", log, true);
    }
  }

  /** A device went offline or restarted: its calls are over (BYE in case it still listens), the relay is told. */
  async endDevice(deviceId: string, reason: string): Promise<void> {
    const { dialogs } = this.options;
    for (const callId of await dialogs.callIdsOf(deviceId)) {
      const taken = await dialogs.take(callId, deviceId);
      if (!taken) continue;
      const log = this.logFor(taken);
      log.info({ reason }, "call ended with the device's registration");
      this.sendBye(taken.dialog, taken.destination, log);
      await this.closeStream(taken, reason, log);
    }
  }

  close(): void {
    for (const timer of this.pendingTimers) clearTimeout(timer);
    this.pendingTimers.clear();
    for (const { timer } of this.sentAcks.values()) clearTimeout(timer);
    this.sentAcks.clear();
    this.options.endpoint.onStrayResponse = undefined;
  }

  /**
   * Resolves with the 2xx. Provisionals (100, 180, 183) only keep us waiting; a device that stays
   * provisional past inviteTimeoutMs is CANCELled (§9.1). A 2xx arriving after we gave up is
   * acknowledged and hung up at once so the device does not stream into the void.
   */
  private awaitAnswer(invite: SipRequest, destination: SipDestination, log: Logger): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let provisional = false;
      const timer = setTimeout(() => {
        this.pendingTimers.delete(timer);
        fail("sip_timeout", "SIP timeout", `no final answer to the INVITE within ${this.options.inviteTimeoutMs} ms${provisional ? " (CANCEL sent)" : ""}`);
        if (provisional) this.sendCancel(invite, destination, log);
      }, this.options.inviteTimeoutMs);
      this.pendingTimers.add(timer);
      const fail = (code: string, stage: string, message: string) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.pendingTimers.delete(timer);
        log.warn({ stage }, `INVITE failed: ${message}`);
        reject(new BusHandlerError(code, message));
      };
      this.options.endpoint.invite(invite, destination, {
        onResponse: (response) => {
          if (response.status < 200) {
            provisional = true;
            log.debug({ status: response.status }, "INVITE provisional response");
            return;
          }
          if (response.status >= 300) {
            fail(`sip_${response.status}`, "device refused", `device refused the INVITE: ${response.status} ${response.reason}`);
            return;
          }
          if (!settled) {
            settled = true;
            clearTimeout(timer);
            this.pendingTimers.delete(timer);
            resolve(response);
            return;
          }
          const late = createDialogAsUac(invite, response);
          if (late) {
            log.warn("200 OK after the INVITE was given up: acknowledging and hanging up");
            void this.acknowledge(late, destination).then(() => this.sendBye(late, destination, log));
          }
        },
        onTimeout: () => fail("sip_timeout", "SIP timeout", "no answer to the INVITE (Timer B)"),
        onTransportError: () => fail("sip_unreachable", "SIP transport", `could not send the INVITE to ${destination.protocol}:${destination.address}:${destination.port}`),
      });
    });
  }

  /** ACK for a 2xx: a new transaction-less request in the dialog with the INVITE's CSeq number (RFC 3261 §13.2.2.4). */
  private async acknowledge(dialog: SipDialog, destination: SipDestination): Promise<void> {
    const { request: ack } = createInDialogRequest({ ...dialog, localSeq: dialog.localSeq - 1 }, "ACK", {
      via: this.options.endpoint.via(destination.protocol),
    });
    const previous = this.sentAcks.get(dialog.callId);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => this.sentAcks.delete(dialog.callId), this.options.ackRetainMs);
    timer.unref();
    this.sentAcks.set(dialog.callId, { ack, destination, timer });
    await this.options.endpoint.sendAck(ack, destination).catch((err: Error) => this.options.logger.warn({ callId: dialog.callId, err: err.message }, "could not send ACK"));
  }

  private onStrayResponse(response: SipResponse): void {
    const callId = getHeader(response, "Call-ID");
    const sent = callId === undefined ? undefined : this.sentAcks.get(callId);
    if (!sent || response.status < 200 || response.status >= 300) return;
    void this.options.endpoint.sendAck(sent.ack, sent.destination).catch(() => undefined);
  }

  private sendBye(dialog: SipDialog, destination: SipDestination, log: Logger): void {
    const { request } = createInDialogRequest(dialog, "BYE", { via: this.options.endpoint.via(destination.protocol) });
    this.options.endpoint.request(request, destination).then(
      (response) => log.info({ status: response.status }, "BYE answered"),
      (err: Error) => log.info({ err: err.message }, "BYE unanswered"),
    );
  }

  private sendCancel(invite: SipRequest, destination: SipDestination, log: Logger): void {
    this.options.endpoint.request(createCancel(invite), destination).catch((err: Error) => log.debug({ err: err.message }, "CANCEL unanswered"));
  }

  /** The registered address if the device is still registered (NAT mappings move), else the one at INVITE time. */
  private async currentDestination(record: MediaDialog): Promise<SipDestination> {
    const registration = await this.options.registrations.get(record.deviceId);
    return registration ? destinationOf(registration) : record.destination;
  }

  private async closeStream(record: MediaDialog, reason: string, log: Logger, endOfFile = false): Promise<void> {
    const { bus, clusterId } = this.options;
    try {
      await bus.request(mediaClose, { clusterId }, { streamId: record.streamId, reason, ...(endOfFile ? { endOfFile } : {}) });
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, "could not tell the relay the stream ended");
    }
  }

  private logFor(record: MediaDialog): Logger {
    return this.options.logger.child({ deviceId: record.deviceId, channelId: record.channelId, callId: record.dialog.callId, streamId: record.streamId });
  }
}
