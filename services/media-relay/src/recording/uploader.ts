import { recordingUploadProgress, recordingUploadsDesired, type Bus, type RequestOf, type UploadLimits, type UploadPiece } from "@ivc/bus";
import { deviceChannelStreamId } from "@ivc/media";
import type { MediaTransport } from "../ingest.js";
import { PlayError } from "../play-error.js";
import type { ViewerRequest } from "../stream-registry.js";
import type { StreamSession } from "../stream-session.js";
import { ChannelRecording } from "./channel-recording.js";
import type { RecordingWorkDeps } from "./recording-work.js";

/** What the uploader uses of a stream (a StreamSession). */
export type DownloadStream = Pick<StreamSession, "state" | "endReason" | "reachedEnd" | "end" | "holdForViewer" | "tapFrames">;

/** The live recorder's sink is the uploader's too: uploaded segments are stored and indexed the same way, in the same order. */
export interface UploaderDeps extends RecordingWorkDeps {
  bus: Pick<Bus, "request">;
  /** The StreamRegistry: a download runs as a stream of its own, its INVITE sent through signaling. */
  registry: { forViewer(request: ViewerRequest): Promise<DownloadStream> };
  /** How the device sends the download (TCP by default: a lost packet is a hole in the archive). */
  transport: MediaTransport;
  /** This process's part of the relay, for its share of the API's concurrency limits. */
  shard: { index: number; count: number };
}

type Progress = RequestOf<typeof recordingUploadProgress>;
type FinalState = Exclude<Progress["state"], "uploading" | "failed">;

/** One pull of (the rest of) a piece: a download stream and the segments it becomes. */
interface Pull {
  streamId: string;
  recording: ChannelRecording;
  session?: DownloadStream;
  detach?: () => void;
  release?: () => void;
  reportedUntilMs: number | undefined;
}

interface PieceState {
  piece: UploadPiece;
  /** The end of the last stored segment (time of filming): where a retry resumes. */
  storedUntilMs: number | undefined;
  retryAt: number;
  backoffMs: number;
  pull?: Pull;
  /** The pull ended and its last segments are being stored before the outcome is reported. */
  finishing: boolean;
  lastFailure?: string;
  /** Reached a final state; kept (and its report resent until answered) while the API still lists the piece. */
  final?: { report: Progress; sent: boolean; sending: boolean };
}

/** The operator's view of one piece (`/api/recordings`, `uploads`). */
export interface UploadStatus {
  pieceId: string;
  deviceId: string;
  channelId: string;
  state: "waiting" | "pulling" | "finishing" | FinalState;
  storedUntilMs?: number;
  reason?: string;
}

/** A device's SIP 404 to the download INVITE: it has no recording there (GB/T 28181-2016 §9.9). */
const NOT_FOUND = 404;
const SECOND_MS = 1000;

/**
 * Pulls the pieces of device recording the API's upload plans want (`recording.uploads-desired`)
 * with GB28181 download INVITEs at the piece's scale, at most `perDevice` channels of one device
 * and `perSite` channels in all at once, and writes them as the live recorder's segments, timed
 * by the device's timestamps from the piece's start so they land when they were filmed. A pull
 * the device cuts (BYE, offline, no RTP) is retried with back-off from where the stored segments
 * reach; MediaStatus 121 or the range's end completes it; the window's close ends it as missed.
 * Every outcome is reported (`recording.upload-progress`); what is not pulled is never dropped
 * silently.
 */
export class Uploader {
  private readonly pieces = new Map<string, PieceState>();
  private limits: UploadLimits = { perDevice: 1, perSite: 1 };
  private pollTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = false;
  private pulls = 0;
  private sequence = 0;
  private readonly now: () => number;

  constructor(private readonly deps: UploaderDeps) {
    this.now = deps.now ?? Date.now;
  }

  start(): void {
    void this.poll();
    this.pollTimer = setInterval(() => void this.poll(), this.deps.pollMs);
    this.tickTimer = setInterval(() => this.tick(), 250);
  }

  /** Cuts the running pulls (their dialogs get BYE); the API's `resumeFromMs` resumes them after a restart. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearInterval(this.tickTimer);
    for (const state of this.pieces.values()) this.cut(state, "relay stopping");
    this.pieces.clear();
  }

  get statuses(): UploadStatus[] {
    return [...this.pieces.values()].map((s) => {
      const { pieceId, deviceId, channelId } = s.piece;
      const state = s.final?.report.state ?? (s.finishing ? "finishing" : s.pull !== undefined ? "pulling" : "waiting");
      const reason = s.final?.report.reason ?? s.lastFailure;
      return { pieceId, deviceId, channelId, state: state as UploadStatus["state"], ...(s.storedUntilMs !== undefined ? { storedUntilMs: s.storedUntilMs } : {}), ...(reason !== undefined ? { reason } : {}) };
    });
  }

  /** The API's answer is the whole truth: pieces it no longer lists stop, new ones wait for a slot. */
  async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const { pieces, limits } = await this.deps.bus.request(recordingUploadsDesired, { clusterId: this.deps.clusterId }, {}, { timeoutMs: Math.max(1000, this.deps.pollMs) });
      if (!this.stopped) this.reconcile(pieces, limits);
    } catch (err) {
      // Keep pulling what was asked before: an API restart must not cut uploads.
      this.deps.metrics.failures.inc({ stage: "upload query" });
      this.deps.logger.warn({ stage: "upload query", err: (err as Error).message }, "could not ask the API which recordings to upload; keeping the current uploads");
    } finally {
      this.polling = false;
    }
    this.tick();
  }

  /** Timers' work, also run after each poll: outcomes, progress reports, window ends and new pulls within the limits. */
  tick(): void {
    if (this.stopped) return;
    const now = this.now();
    const perDevice = new Map<string, number>();
    for (const state of this.pieces.values()) {
      if (state.final !== undefined) {
        if (!state.final.sent) this.sendFinal(state);
        continue;
      }
      const pull = state.pull;
      if (pull?.session !== undefined && pull.session.state === "ended") void this.finish(state, pull, pull.session);
      else if (pull !== undefined && now >= state.piece.windowEndMs) this.closeWindow(state, pull);
      else if (pull !== undefined) this.reportProgress(state, pull); else if (!state.finishing && now >= state.piece.windowEndMs) {
        this.conclude(state, "missed", `the upload window closed at ${new Date(state.piece.windowEndMs).toISOString()}${state.lastFailure !== undefined ? ` (last failure: ${state.lastFailure})` : ""}`);
      }
      if (state.pull !== undefined) perDevice.set(state.piece.deviceId, (perDevice.get(state.piece.deviceId) ?? 0) + 1);
    }
    const deviceLimit = this.share(this.limits.perDevice);
    const siteLimit = this.share(this.limits.perSite);
    // Oldest recording first, so a short window uploads the start of yesterday before its end.
    const waiting = [...this.pieces.values()]
      .filter((s) => s.pull === undefined && !s.finishing && s.final === undefined && now >= s.retryAt)
      .sort((a, b) => a.piece.startMs - b.piece.startMs);
    for (const state of waiting) {
      if (this.pulls >= siteLimit) break;
      const onDevice = perDevice.get(state.piece.deviceId) ?? 0;
      if (onDevice >= deviceLimit) continue;
      perDevice.set(state.piece.deviceId, onDevice + 1);
      void this.open(state);
    }
    const counts = { waiting: 0, pulling: 0 };
    for (const state of this.pieces.values()) if (state.final === undefined) counts[state.pull !== undefined || state.finishing ? "pulling" : "waiting"]++;
    for (const [state, count] of Object.entries(counts)) this.deps.metrics.uploads.set({ state }, count);
  }

  private reconcile(pieces: readonly UploadPiece[], limits: UploadLimits): void {
    this.limits = limits;
    const owns = this.deps.owns;
    const wanted = new Map(pieces.filter((p) => owns === undefined || owns(deviceChannelStreamId(p.deviceId, p.channelId))).map((p) => [p.pieceId, p]));
    for (const [pieceId, state] of this.pieces) {
      if (wanted.has(pieceId)) continue;
      this.cut(state, "upload no longer wanted");
      this.pieces.delete(pieceId);
    }
    for (const [pieceId, piece] of wanted) {
      const existing = this.pieces.get(pieceId);
      if (existing !== undefined) {
        existing.piece = piece;
        continue;
      }
      this.pieces.set(pieceId, { piece, storedUntilMs: piece.resumeFromMs, retryAt: 0, backoffMs: this.deps.retryFirstMs, finishing: false });
    }
  }

  /**
   * Starts a download of the rest of the piece. t= is in whole seconds, so the rest starts at the
   * next second after what is stored: a sub-second gap rather than overlapping segments.
   */
  private async open(state: PieceState): Promise<void> {
    const { piece } = state;
    const startMs = Math.ceil(Math.max(piece.startMs, state.storedUntilMs ?? 0) / SECOND_MS) * SECOND_MS;
    if (piece.endMs - startMs < SECOND_MS) {
      this.conclude(state, "done", undefined);
      return;
    }
    const { deviceId, channelId, planId, transitionDays, expirationDays } = piece;
    // A stream of its own per pull (`<device>_<channel>@up…`), placed with the channel's other streams.
    const streamId = `${deviceChannelStreamId(deviceId, channelId)}@up${Date.now().toString(36)}${(++this.sequence).toString(36)}`;
    const recording = new ChannelRecording(
      { deviceId, channelId, streamId, planId, transitionDays, expirationDays },
      { sink: this.deps.sink, storage: this.deps.storage, segmentMs: this.deps.segmentMs, utcOffsetMinutes: this.deps.utcOffsetMinutes, logger: this.deps.logger, now: this.now },
    );
    const pull: Pull = { streamId, recording, reportedUntilMs: state.storedUntilMs };
    state.pull = pull;
    this.pulls++;
    const log = this.deps.logger.child({ deviceId, channelId, streamId, pieceId: piece.pieceId });
    try {
      const session = await this.deps.registry.forViewer({ streamId, deviceId, transport: this.deps.transport, download: { startMs, endMs: piece.endMs, speed: piece.scale } });
      if (state.pull !== pull || this.stopped) {
        session.end("upload no longer wanted");
        return;
      }
      pull.session = session;
      pull.release = session.holdForViewer();
      recording.begin(startMs);
      pull.detach = session.tapFrames((frame) => recording.push(frame));
      log.info({ fromMs: startMs, endMs: piece.endMs, scale: piece.scale }, "upload download started");
    } catch (err) {
      if (state.pull !== pull) return;
      this.release(state, pull);
      if (err instanceof PlayError) this.failed(state, err.stage, err.message);
      else this.failed(state, "stream", (err as Error).message);
    }
  }

  /** The download stream ended: its last segments are stored first, then the outcome is known. */
  private async finish(state: PieceState, pull: Pull, session: DownloadStream): Promise<void> {
    this.release(state, pull);
    state.finishing = true;
    await this.deps.sink.drained();
    state.finishing = false;
    if (this.stopped || this.pieces.get(state.piece.pieceId) !== state) return;
    this.absorb(state, pull);
    const reason = session.endReason;
    if (session.reachedEnd) {
      // The device sent all it had: nothing at all means it has no recording there.
      if (state.storedUntilMs === undefined) this.conclude(state, "no-recording", "the device ended the download without sending any picture");
      else this.conclude(state, "done", undefined);
    } else if (reason instanceof PlayError && reason.sipStatus === NOT_FOUND) {
      this.conclude(state, "no-recording", reason.message);
    } else if (this.now() >= state.piece.windowEndMs) {
      this.conclude(state, "missed", `the upload window closed at ${new Date(state.piece.windowEndMs).toISOString()}`);
    } else if (reason instanceof PlayError) {
      this.failed(state, reason.stage, reason.message);
    } else {
      this.failed(state, "stream", reason ?? "stream ended");
    }
  }

  /** The window closed mid-pull: what is stored stays, the rest is missed. */
  private closeWindow(state: PieceState, pull: Pull): void {
    const session = pull.session;
    if (session === undefined) {
      this.cut(state, "upload window closed");
      return;
    }
    session.end("upload window closed");
    void this.finish(state, pull, session);
  }

  /** Ends a pull now: its open segment is stored, its stream ends (BYE), and the piece waits again. */
  private cut(state: PieceState, reason: string): void {
    const pull = state.pull;
    if (pull === undefined) return;
    this.release(state, pull);
    // Still opening: open() sees the pull is gone and ends the stream it gets.
    pull.session?.end(reason);
  }

  private release(state: PieceState, pull: Pull): void {
    pull.detach?.();
    pull.release?.();
    pull.recording.end();
    delete pull.detach;
    delete pull.release;
    if (state.pull === pull) {
      delete state.pull;
      this.pulls--;
    }
  }

  private absorb(state: PieceState, pull: Pull): void {
    const until = pull.recording.status.lastSegmentEndMs;
    if (until !== undefined && (state.storedUntilMs === undefined || until > state.storedUntilMs)) state.storedUntilMs = until;
  }

  private failed(state: PieceState, stage: string, message: string): void {
    const { piece } = state;
    state.lastFailure = `${stage}: ${message}`;
    state.retryAt = this.now() + state.backoffMs;
    this.deps.metrics.failures.inc({ stage: "upload" });
    this.deps.logger.warn({ deviceId: piece.deviceId, channelId: piece.channelId, pieceId: piece.pieceId, stage, reason: message, storedUntilMs: state.storedUntilMs, retryInMs: state.backoffMs }, "upload pull failed; retrying later in the window");
    void this.send(this.progress(state, "failed", state.lastFailure));
    state.backoffMs = Math.min(this.deps.retryMaxMs, state.backoffMs * 2);
  }

  private conclude(state: PieceState, outcome: FinalState, reason: string | undefined): void {
    const { piece } = state;
    this.deps.logger.info({ deviceId: piece.deviceId, channelId: piece.channelId, pieceId: piece.pieceId, outcome, storedUntilMs: state.storedUntilMs, reason }, "upload piece finished");
    state.final = { report: this.progress(state, outcome, reason), sent: false, sending: false };
    this.sendFinal(state);
  }

  private reportProgress(state: PieceState, pull: Pull): void {
    const until = pull.recording.status.lastSegmentEndMs;
    if (until === undefined || (pull.reportedUntilMs !== undefined && until <= pull.reportedUntilMs)) return;
    pull.reportedUntilMs = until;
    this.absorb(state, pull);
    void this.send(this.progress(state, "uploading", undefined));
  }

  private progress(state: PieceState, outcome: Progress["state"], reason: string | undefined): Progress {
    const { pieceId, planId, deviceId, channelId } = state.piece;
    return {
      pieceId,
      planId,
      deviceId,
      channelId,
      state: outcome,
      ...(state.storedUntilMs !== undefined ? { storedUntilMs: state.storedUntilMs } : {}),
      ...(reason !== undefined ? { reason: reason.slice(0, 500) } : {}),
    };
  }

  /** A final report is resent on the next ticks until the API takes it: it is what the plan's channel list shows. */
  private sendFinal(state: PieceState): void {
    const final = state.final;
    if (final === undefined || final.sending) return;
    final.sending = true;
    void this.send(final.report).then((ok) => {
      final.sending = false;
      final.sent = ok;
    });
  }

  /** Progress reports are best effort: the next one (or the final one, resent) carries the same news. */
  private async send(report: Progress): Promise<boolean> {
    try {
      await this.deps.bus.request(recordingUploadProgress, { clusterId: this.deps.clusterId }, report, { timeoutMs: 5000 });
      return true;
    } catch (err) {
      this.deps.metrics.failures.inc({ stage: "upload report" });
      this.deps.logger.warn({ deviceId: report.deviceId, channelId: report.channelId, pieceId: report.pieceId, stage: "upload report", state: report.state, err: (err as Error).message }, "upload progress report failed");
      return false;
    }
  }

  /** This process's part of a relay-wide limit (at least one pull, so every shard's channels move). */
  private share(limit: number): number {
    const { index, count } = this.deps.shard;
    return Math.max(1, Math.floor(limit / count) + (index < limit % count ? 1 : 0));
  }
}
