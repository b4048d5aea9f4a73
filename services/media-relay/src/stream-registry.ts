import { BusHandlerError, sipBye, sipInvite, type Bus } from "@ivc/bus";
import { deviceChannelStreamId, splitDeviceChannel } from "@ivc/media";
import type { Logger } from "@ivc/runtime";
import type { MediaTransport } from "./ingest.js";
import { inviteFailure } from "./invite-failure.js";
import type { LeaseStore } from "./lease-store.js";
import type { RelayMetrics } from "./metrics.js";
import { PlayError } from "./play-error.js";
import type { TimelineStore } from "./play-timeline.js";
import type { StreamKind } from "./ssrc.js";
import { END_OF_FILE, StreamSession, type DeviceAnswer, type PlaybackRange, type SessionSettings } from "./stream-session.js";

export interface OpenRequest {
  streamId: string;
  channelId: string;
  kind: StreamKind;
  transport: MediaTransport;
  /** The channel's device when known: plays are kept per device and channel. */
  deviceId?: string;
  /** Playback and download streams only. */
  playback?: PlaybackRange;
}

export interface OpenReply {
  ip: string;
  port: number;
  ssrc: string;
  transport: MediaTransport;
}

/** What a viewer's URL says about a stream that is not running yet. */
export interface ViewerRequest {
  streamId: string;
  deviceId?: string;
  transport: MediaTransport;
  /** Required for a playback stream id (`<channelId>@<session>`). */
  playback?: PlaybackRange;
  /** Makes a `<channelId>@<session>` stream a download (s=Download at `speed`) of this range instead of a playback. */
  download?: PlaybackRange & { speed: number };
}

export interface StreamRegistryDeps {
  bus: Bus;
  clusterId: string;
  leases: LeaseStore;
  timelines: TimelineStore;
  settings: SessionSettings;
  /** The address devices send to (SDP `c=`). */
  mediaIp: string;
  inviteTimeoutMs: number;
  logger: Logger;
  metrics: RelayMetrics;
}

/** Ports the system refused to bind (in use by another program) are retried this many times. */
const BIND_ATTEMPTS = 5;

/** The live sub stream of a channel runs as its own stream (own lease, INVITE, viewers) under `<channelId>_sub`. */
export const SUB_STREAM_SUFFIX = "_sub";

/**
 * `<device>_<channel>` is live (the device's default encoding, the main one), `<device>_<channel>_sub`
 * its live sub stream (GB/T 28181-2022 streamnumber 1), `<channel>@<session>` a playback. A bare
 * `<channel>` (no device part) is the legacy live name: signaling finds the channel's device.
 */
export function parseStreamId(streamId: string): { deviceId?: string; channelId: string; kind: StreamKind; streamNumber?: number } {
  const at = streamId.indexOf("@");
  if (at >= 0) return { ...splitDeviceChannel(streamId.slice(0, at)), kind: "playback" };
  if (streamId.endsWith(SUB_STREAM_SUFFIX)) return { ...splitDeviceChannel(streamId.slice(0, -SUB_STREAM_SUFFIX.length)), kind: "live", streamNumber: 1 };
  return { ...splitDeviceChannel(streamId), kind: "live" };
}

/** The live stream of one channel of one device (`_sub` for its sub stream). */
export function liveStreamId(deviceId: string, channelId: string, streamNumber: number | undefined): string {
  return `${deviceChannelStreamId(deviceId, channelId)}${streamNumber === undefined ? "" : SUB_STREAM_SUFFIX}`;
}

/**
 * The registry's stream a URL names. `stream_type` 1 (or none) is the path's stream, 2 a live
 * channel's sub stream; playbacks ignore it. A live stream is always the channel of one device,
 * `<device>_<channel>`: the path's device part, else `?device=`, else the device the API
 * authorized the pull for (`authorized`). Only with pull authentication off does a bare channel
 * stay bare (signaling then picks the channel's device).
 */
export function viewedStream(pathId: string, query: URLSearchParams, authorized: string | undefined): { ok: true; streamId: string; deviceId?: string } | { ok: false; message: string } {
  const type = query.get("stream_type");
  if (type !== null && type !== "1" && type !== "2") return { ok: false, message: "stream_type must be 1 (main) or 2 (sub)" };
  const parsed = parseStreamId(pathId);
  const named = query.get("device") || undefined;
  const deviceId = parsed.deviceId ?? named ?? authorized;
  if ((named !== undefined && named !== deviceId) || (authorized !== undefined && authorized !== deviceId)) {
    return { ok: false, message: `device ${named ?? authorized} is not the device the stream id names (${deviceId})` };
  }
  const device = deviceId !== undefined ? { deviceId } : {};
  if (parsed.kind === "playback") return { ok: true, streamId: pathId, ...device };
  const streamNumber = type === "2" ? 1 : parsed.streamNumber;
  if (deviceId === undefined) return { ok: true, streamId: `${parsed.channelId}${streamNumber === undefined ? "" : SUB_STREAM_SUFFIX}` };
  return { ok: true, streamId: liveStreamId(deviceId, parsed.channelId, streamNumber), deviceId };
}

/** The live streams of this relay: opening (lease + ingest), answers, on-demand INVITEs, ending. */
export class StreamRegistry {
  private readonly sessions = new Map<string, StreamSession>();
  private readonly opening = new Map<string, Promise<StreamSession>>();
  /** Lease releases and BYEs in flight, awaited on shutdown. */
  private readonly cleanups = new Set<Promise<unknown>>();

  constructor(private readonly deps: StreamRegistryDeps) {}

  get(streamId: string): StreamSession | undefined {
    return this.sessions.get(streamId);
  }

  all(): IterableIterator<StreamSession> {
    return this.sessions.values();
  }

  async open(request: OpenRequest): Promise<OpenReply> {
    const session = await this.openSession(request);
    return { ip: this.deps.mediaIp, port: session.lease.port, ssrc: session.lease.ssrc, transport: session.transport };
  }

  answer(streamId: string, answer: DeviceAnswer): boolean {
    return this.sessions.get(streamId)?.answer(answer) ?? false;
  }

  /** media.pause: undefined when no such stream runs here. */
  pause(streamId: string, paused: boolean): boolean | undefined {
    const session = this.sessions.get(streamId);
    if (session === undefined) return undefined;
    session.setPaused(paused);
    return session.isPaused;
  }

  /**
   * media.close: the requester owns the SIP dialog, so no BYE is sent for it. `endOfFile`: the
   * device finished the recording (MediaStatus 121), so a playback or download is complete.
   */
  close(streamId: string, endOfFile = false): boolean {
    const session = this.sessions.get(streamId);
    session?.end(endOfFile ? END_OF_FILE : closedBySignaling);
    return session !== undefined;
  }

  /**
   * The running stream, or a new one started by asking signaling to INVITE the device. Returns
   * at once; the INVITE's outcome reaches viewers through the session's readiness.
   */
  async forViewer(request: ViewerRequest): Promise<StreamSession> {
    const running = this.sessions.get(request.streamId) ?? (await this.opening.get(request.streamId));
    if (running !== undefined) return running;
    const parsed = parseStreamId(request.streamId);
    const { channelId } = parsed;
    const kind = parsed.kind === "playback" && request.download !== undefined ? "download" : parsed.kind;
    const deviceId = request.deviceId ?? parsed.deviceId;
    const playback = kind === "download" ? request.download : kind === "playback" ? request.playback : undefined;
    const session = await this.openSession({
      streamId: request.streamId,
      channelId,
      kind,
      transport: request.transport,
      ...(deviceId !== undefined ? { deviceId } : {}),
      ...(playback !== undefined ? { playback } : {}),
    });
    void this.invite(session, deviceId !== undefined ? { ...request, deviceId } : request);
    return session;
  }

  async endAll(reason: string): Promise<void> {
    for (const session of [...this.sessions.values()]) session.end(reason, "going-away");
    await Promise.all(this.cleanups);
  }

  tick(now: number): void {
    for (const session of this.sessions.values()) session.tick(now);
  }

  /** Extends every lease; a lost one is logged (its stream goes on, but another relay may take the port). */
  async refreshLeases(): Promise<void> {
    await Promise.all(
      [...this.sessions.values()].map(async (session) => {
        const held = await this.deps.leases.refresh(session.lease).catch(() => false);
        if (!held) this.deps.logger.warn({ streamId: session.streamId, ...session.lease }, "lease lost; port or SSRC may be handed out again");
      }),
    );
  }

  private openSession(request: OpenRequest): Promise<StreamSession> {
    const existing = this.sessions.get(request.streamId);
    if (existing !== undefined) {
      if (existing.transport !== request.transport) {
        return Promise.reject(new BusHandlerError("stream_exists", `${request.streamId} already runs over ${existing.transport}`));
      }
      return Promise.resolve(existing);
    }
    const pending = this.opening.get(request.streamId);
    if (pending !== undefined) return pending;
    const opening = this.createSession(request).finally(() => this.opening.delete(request.streamId));
    this.opening.set(request.streamId, opening);
    return opening;
  }

  private async createSession(request: OpenRequest): Promise<StreamSession> {
    const avoid = new Set<number>();
    for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      const lease = await this.deps.leases.acquire(request.kind, avoid);
      if (lease === undefined) throw new PlayError("no ports", "every RTP port or SSRC is in use or resting");
      const { streamId, channelId, kind, transport, deviceId } = request;
      const playsKey = deviceId !== undefined ? deviceChannelStreamId(deviceId, channelId) : channelId;
      const timeline = this.deps.timelines.begin({ streamId, channelId: playsKey, kind, transport, ssrc: lease.ssrc });
      try {
        const session = await StreamSession.open({
          ...request,
          lease,
          timeline,
          settings: this.deps.settings,
          logger: this.deps.logger,
          metrics: this.deps.metrics,
          onEnd: (s, reason) => this.onEnd(s, reason),
        });
        this.sessions.set(request.streamId, session);
        return session;
      } catch (err) {
        // Another program holds the port; it never carried our media, so it needs no rest.
        avoid.add(lease.port);
        await this.deps.leases.release(lease, 0).catch(() => undefined);
        timeline.mark("failed", `bind ${lease.port}: ${(err as Error).message}`);
        timeline.end("bind failed");
      }
    }
    throw new PlayError("no ports", `could not bind an RTP port after ${BIND_ATTEMPTS} attempts`);
  }

  private async invite(session: StreamSession, request: ViewerRequest): Promise<void> {
    const { bus, clusterId, mediaIp, inviteTimeoutMs } = this.deps;
    const { streamNumber } = parseStreamId(session.streamId);
    session.timeline.mark("invite-sent");
    try {
      const reply = await bus.request(
        sipInvite,
        { clusterId },
        {
          streamId: session.streamId,
          channelId: session.channelId,
          ...(request.deviceId !== undefined ? { deviceId: request.deviceId } : {}),
          mediaIp,
          mediaPort: session.lease.port,
          ssrc: session.lease.ssrc,
          transport: session.transport,
          kind: session.kind,
          ...(session.playback !== undefined ? { start: session.playback.startMs, end: session.playback.endMs } : {}),
          ...(session.playback?.speed !== undefined ? { speed: session.playback.speed } : {}),
          ...(streamNumber !== undefined ? { streamNumber } : {}),
        },
        { timeoutMs: inviteTimeoutMs },
      );
      if (session.state === "ended") {
        // It ended while the device was being invited (no RTP in time, relay stopping): the dialog
        // the answer opened must end too, or the device streams on to a port nobody reads.
        if (!endedBySignaling(session.timeline.record.outcome)) this.bye(session, reply.callId, "stream ended before the device answered");
        return;
      }
      if (!session.answer(reply)) session.end(new PlayError("device refused", "the device's answer lacks the address to connect to (TCP active)"));
    } catch (err) {
      session.end(inviteFailure(err));
    }
  }

  private onEnd(session: StreamSession, reason: PlayError | string): void {
    if (this.sessions.get(session.streamId) === session) this.sessions.delete(session.streamId);
    const { logger, metrics, leases } = this.deps;
    if (reason instanceof PlayError) {
      metrics.playFailures.inc({ stage: reason.stage });
      logger.warn({ streamId: session.streamId, stage: reason.stage }, `play failed: ${reason.message}`);
    } else {
      logger.info({ streamId: session.streamId, reason }, "stream ended");
    }
    this.track(leases.release(session.lease).catch((err: Error) => logger.warn({ err: err.message, streamId: session.streamId }, "lease release failed")));
    // A close asked for by signaling (it saw a BYE) needs no BYE back.
    if (session.callId !== undefined && !endedBySignaling(reason)) this.bye(session, session.callId, reason instanceof PlayError ? reason.stage : reason);
  }

  private bye(session: StreamSession, callId: string, reason: string): void {
    const { logger, bus, clusterId } = this.deps;
    this.track(
      bus
        .request(sipBye, { clusterId }, { callId, streamId: session.streamId, reason })
        .catch((err: Error) => logger.warn({ err: err.message, streamId: session.streamId }, "BYE request failed")),
    );
  }

  private track(work: Promise<unknown>): void {
    this.cleanups.add(work);
    void work.finally(() => this.cleanups.delete(work));
  }
}

/** The reason media.close passes, so the relay does not send a BYE for a dialog signaling ended. */
const closedBySignaling = "closed by signaling";

function endedBySignaling(reason: PlayError | string | undefined): boolean {
  return reason === closedBySignaling || reason === END_OF_FILE;
}

