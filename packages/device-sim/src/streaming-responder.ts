import { EventEmitter } from "node:events";
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { parseMansrtsp, parseSsrc, type GbSdp, type MansrtspCommand } from "@ivc/gb28181";
import type { VideoCodec } from "@ivc/media";
import { buildAnswerSdp } from "./answer-sdp.js";
import { planMedia, type MediaPlan } from "./media-plan.js";
import type { InviteAnswer, InviteOffer, MediaResponder } from "./media-responder.js";
import { prepareSink, type MediaSink, type PreparedSink } from "./media-sink.js";
import { PsStreamer } from "./ps-streamer.js";
import type { Recording } from "./recordings.js";
import { FFMPEG_PATH, generateTestPattern, loadVideoSource, type VideoSource } from "./video-source.js";

export interface StreamingResponderOptions {
  /** The video codec, of `video` or of the generated test picture; either goes inside PS (stream type 0x1B / 0x24). Default H264. */
  codec?: VideoCodec;
  /** Annex-B file of `codec` to loop; without it ffmpeg's test picture is encoded once (INVITEs get 488 without ffmpeg). */
  video?: string;
  /** Pictures per second (the source's rate). Default 25. */
  frameRate?: number;
  /** Mux a G.711A sine track. Default false. */
  audio?: boolean;
  /** The y= SSRC to answer instead of the offered one (as many cameras do). */
  answerSsrc?: string;
  /** The SSRC put in RTP packets when it must differ from the answered y= (the relay's mismatch path). */
  rtpSsrc?: number;
  /** Refuse every INVITE with this status (e.g. 486 Busy Here). */
  refuseInvite?: number;
  /** How long a TCP connection may take to come up after the ACK. Default 10 s. */
  connectTimeoutMs?: number;
  ffmpegPath?: string;
}

/** A stream as the device sees it. */
export interface StreamInfo {
  readonly dialogKey: string;
  readonly channelId: string;
  readonly plan: MediaPlan;
  /** y= of the answer. */
  readonly answeredSsrc: string;
  /** SSRC in the RTP packets. */
  readonly rtpSsrc: number;
  /** A playback (s=Playback): the recording range asked for in t=, epoch seconds; a download's: the part of it the channel recorded. */
  readonly playback?: { readonly start: number; readonly end: number };
  /** A download (s=Download, GB/T 28181-2016 §9.9): sent this many times faster than real time (a=downloadspeed). */
  readonly downloadSpeed?: number;
}

export interface StreamingResponderEvents {
  warning: [text: string];
  /** The ACK came and media flows. */
  streaming: [info: StreamInfo];
  /** Media stopped: BYE, the platform closed the TCP connection, or it never connected. */
  stopped: [dialogKey: string, reason: string];
  /** A playback reached the end of its range: media stopped and MediaStatus 121 went out with this status. */
  endOfFile: [dialogKey: string, status: number];
  /** A MANSRTSP playback control arrived in an INFO and was applied. */
  control: [dialogKey: string, command: MansrtspCommand];
}

interface Stream {
  info: StreamInfo;
  reportEndOfFile: () => Promise<number>;
  prepared: PreparedSink;
  sink?: MediaSink;
  streamer?: PsStreamer;
  /** No ACK within this (RFC 3261 Timer H: 64·T1) and the answer is abandoned. */
  ackTimer?: NodeJS.Timeout;
}

const ACK_WAIT_MS = 32_000;
/** A y= for offers without one (a live SSRC of domain 00000). */
const FALLBACK_SSRC = "0000000001";

/**
 * A MediaResponder that streams: answers INVITEs with its own address and SSRC, then on ACK
 * sends the looped H.264 or H.265 source as PS over RTP the way the offer asks (UDP, TCP active
 * or TCP passive), until BYE. H.265 changes only the PS stream type: the answer's rtpmap stays
 * PS/90000, as GB/T 28181-2016 §9.2.2 has devices answer for either codec.
 *
 * A playback INVITE (s=Playback, t=<start> <end>, GB/T 28181-2016 §9.8) streams the range: the
 * timestamps count from the requested start (0 s = the first picture), MANSRTSP in INFO pauses,
 * resumes, seeks (timestamps jump to the new position) and changes scale (pictures sent scale ×
 * faster in wall time, see PsStreamer); at the end of the range media stops and MediaStatus 121
 * goes out, and the platform is left to send BYE.
 *
 * A download INVITE (s=Download, §9.9) does the same over the part of t= the channel's recordings
 * cover (404 when none does), `a=downloadspeed` times faster than real time with the recording's
 * timestamps, then MediaStatus 121. Gaps between recordings inside the range are sent as picture.
 */
export class StreamingMediaResponder extends EventEmitter<StreamingResponderEvents> implements MediaResponder {
  private readonly streams = new Map<string, Stream>();
  private sourcePromise: Promise<VideoSource | undefined> | undefined;
  private generatedFile: string | undefined;

  constructor(private readonly options: StreamingResponderOptions = {}) {
    super();
    if (options.answerSsrc !== undefined && !/^\d{10}$/.test(options.answerSsrc)) throw new RangeError(`answerSsrc must be 10 digits, got "${options.answerSsrc}"`);
    if (options.rtpSsrc !== undefined && !(Number.isInteger(options.rtpSsrc) && options.rtpSsrc >= 0 && options.rtpSsrc <= 0xffffffff)) {
      throw new RangeError(`rtpSsrc must be a 32-bit unsigned integer, got ${options.rtpSsrc}`);
    }
  }

  /** Loads (or generates) the source now rather than at the first INVITE; resolves false when there is none. */
  async prepare(): Promise<boolean> {
    return (await this.source()) !== undefined;
  }

  /** Streams in progress. */
  get active(): StreamInfo[] {
    return [...this.streams.values()].filter((stream) => stream.streamer !== undefined).map((stream) => stream.info);
  }

  /** Pictures sent in a dialog so far (0 before the ACK). */
  picturesSent(dialogKey: string): number {
    return this.streams.get(dialogKey)?.streamer?.picturesSent ?? 0;
  }

  async answerInvite(offer: InviteOffer): Promise<InviteAnswer> {
    if (this.options.refuseInvite !== undefined) return { status: this.options.refuseInvite };
    if (!offer.sdp?.ok) return this.refuse(488, `INVITE for ${offer.channelId} without a readable SDP offer`);
    const planned = planMedia(offer.sdp);
    if (!planned.ok) return this.refuse(488, `INVITE for ${offer.channelId}: ${planned.reason}`);
    if ((await this.source()) === undefined) {
      return this.refuse(488, `no video to stream: give an ${this.codec} file (--video) or install ffmpeg at ${this.options.ffmpegPath ?? FFMPEG_PATH}`);
    }
    const historical = historicalRange(offer.sdp, offer.recordings);
    if (historical === undefined) return this.refuse(404, `download for ${offer.channelId}: no recording in the range asked for`);
    const prepared = await prepareSink(planned.plan, offer.localAddress);
    const answeredSsrc = this.options.answerSsrc ?? offer.sdp.ssrc ?? FALLBACK_SSRC;
    const info: StreamInfo = {
      dialogKey: offer.dialogKey,
      channelId: offer.channelId,
      plan: planned.plan,
      answeredSsrc,
      rtpSsrc: this.options.rtpSsrc ?? parseSsrc(answeredSsrc)?.rtpSsrc ?? Number(answeredSsrc),
      ...historical,
    };
    const stream: Stream = { info, prepared, reportEndOfFile: offer.reportEndOfFile };
    stream.ackTimer = setTimeout(() => this.end(offer.dialogKey, "no ACK for the 200 OK"), ACK_WAIT_MS);
    this.streams.set(offer.dialogKey, stream);
    const body = buildAnswerSdp({
      channelId: offer.channelId,
      sessionName: offer.sdp.sessionName ?? "Play",
      ip: offer.localAddress,
      port: prepared.port,
      tcp: planned.plan.kind !== "udp",
      ...(planned.answerSetup ? { setup: planned.answerSetup } : {}),
      ssrc: answeredSsrc,
    });
    return { status: 200, body: Buffer.from(body), contentType: "APPLICATION/SDP" };
  }

  onAck(dialogKey: string): void {
    const stream = this.streams.get(dialogKey);
    if (!stream || stream.streamer) return;
    clearTimeout(stream.ackTimer);
    void this.startStreaming(stream);
  }

  onBye(dialogKey: string): void {
    this.end(dialogKey, "BYE");
  }

  /** MANSRTSP playback control (GB/T 28181-2016 Appendix B): 200 when applied, 400 unreadable, 455 on a live stream. */
  onInfo(dialogKey: string, body: Buffer): number {
    const stream = this.streams.get(dialogKey);
    if (!stream) return 481;
    const command = parseMansrtsp(body.toString("utf8"));
    if (!command.ok) {
      this.safeEmit("warning", `unreadable MANSRTSP: ${command.reason}`);
      return 400;
    }
    if (!stream.info.playback) return 455;
    const frameRate = this.options.frameRate ?? 25;
    const { streamer } = stream;
    switch (command.method) {
      case "PAUSE":
        streamer?.pause();
        break;
      case "PLAY":
        if (command.scale !== undefined) {
          if (command.scale < 0) return 457;
          streamer?.setScale(command.scale);
        }
        if (typeof command.range === "number") streamer?.seek(command.range * frameRate);
        streamer?.resume();
        break;
      case "TEARDOWN":
        this.end(dialogKey, "TEARDOWN");
        break;
    }
    this.safeEmit("control", dialogKey, command);
    return 200;
  }

  /** Stops every stream and deletes a generated test picture. */
  async close(): Promise<void> {
    for (const key of [...this.streams.keys()]) this.end(key, "responder closed");
    if (this.generatedFile !== undefined) await rm(dirname(this.generatedFile), { recursive: true, force: true });
    this.generatedFile = undefined;
    this.sourcePromise = undefined;
  }

  private async startStreaming(stream: Stream): Promise<void> {
    const source = await this.source();
    let sink: MediaSink;
    try {
      sink = await stream.prepared.open(this.options.connectTimeoutMs ?? 10_000);
    } catch (err) {
      this.safeEmit("warning", `media for ${stream.info.channelId} not started: ${(err as Error).message}`);
      this.end(stream.info.dialogKey, "no media connection");
      return;
    }
    if (this.streams.get(stream.info.dialogKey) !== stream || source === undefined) {
      sink.close();
      return;
    }
    stream.sink = sink;
    sink.onClosed((reason) => this.end(stream.info.dialogKey, reason));
    const frameRate = this.options.frameRate ?? 25;
    const { playback, downloadSpeed } = stream.info;
    stream.streamer = new PsStreamer({
      source,
      frameRate,
      audio: this.options.audio ?? false,
      ssrc: stream.info.rtpSsrc,
      sink,
      ...(playback ? { pictureLimit: Math.round((playback.end - playback.start) * frameRate), onEnd: () => void this.endOfFile(stream) } : {}),
      ...(downloadSpeed !== undefined ? { scale: downloadSpeed } : {}),
    });
    stream.streamer.start();
    this.safeEmit("streaming", stream.info);
  }

  private async endOfFile(stream: Stream): Promise<void> {
    const status = await stream.reportEndOfFile().catch(() => 503);
    this.safeEmit("endOfFile", stream.info.dialogKey, status);
  }

  private end(dialogKey: string, reason: string): void {
    const stream = this.streams.get(dialogKey);
    if (!stream) return;
    this.streams.delete(dialogKey);
    clearTimeout(stream.ackTimer);
    stream.streamer?.stop();
    stream.sink?.close();
    stream.prepared.close();
    this.safeEmit("stopped", dialogKey, reason);
  }

  private source(): Promise<VideoSource | undefined> {
    this.sourcePromise ??= this.loadSource();
    return this.sourcePromise;
  }

  private get codec(): VideoCodec {
    return this.options.codec ?? "H264";
  }

  private async loadSource(): Promise<VideoSource | undefined> {
    try {
      if (this.options.video !== undefined) {
        const source = await loadVideoSource(this.codec, this.options.video);
        if (!source) this.safeEmit("warning", `${this.options.video} holds no ${this.codec} keyframe`);
        return source;
      }
      const generated = await generateTestPattern(this.options.ffmpegPath, undefined, this.codec);
      if (generated === undefined) {
        this.safeEmit("warning", `no --video given and no ffmpeg at ${this.options.ffmpegPath ?? FFMPEG_PATH}: INVITEs will be refused with 488`);
        return undefined;
      }
      this.generatedFile = generated;
      return await loadVideoSource(this.codec, generated);
    } catch (err) {
      this.safeEmit("warning", `cannot load the video source: ${(err as Error).message}`);
      return undefined;
    }
  }

  private refuse(status: number, text: string): InviteAnswer {
    this.safeEmit("warning", text);
    return { status };
  }

  /** A throwing listener must not break signaling (events fire from socket callbacks). */
  private safeEmit<K extends keyof StreamingResponderEvents>(event: K, ...args: StreamingResponderEvents[K]): void {
    try {
      (this.emit as (name: K, ...rest: StreamingResponderEvents[K]) => boolean)(event, ...args);
    } catch {
      // The listener's problem; the stream goes on.
    }
  }
}

/** The range of a playback offer (s=Playback with t=<start> <end>); nothing for live or open ranges. */
function playbackRange(sdp: GbSdp): { playback?: { start: number; end: number } } {
  const { sessionName, startTime, endTime } = sdp;
  if (sessionName?.toLowerCase() !== "playback" || startTime === undefined || endTime === undefined || endTime <= startTime) return {};
  return { playback: { start: startTime, end: endTime } };
}

/**
 * What a playback or download offer streams: a playback its whole range, a download (s=Download)
 * the span of the range the recordings cover at its speed (1× without a=downloadspeed), or
 * undefined when no recording overlaps it.
 */
function historicalRange(sdp: GbSdp, recordings: readonly Recording[]): Pick<StreamInfo, "playback" | "downloadSpeed"> | undefined {
  const { sessionName, startTime, endTime } = sdp;
  if (sessionName?.toLowerCase() !== "download") return playbackRange(sdp);
  if (startTime === undefined || endTime === undefined || endTime <= startTime) return undefined;
  const covered = recordings.filter((r) => r.start < endTime && r.end > startTime);
  if (covered.length === 0) return undefined;
  const start = Math.max(startTime, Math.min(...covered.map((r) => r.start)));
  const end = Math.min(endTime, Math.max(...covered.map((r) => r.end)));
  return { playback: { start, end }, downloadSpeed: sdp.downloadSpeed ?? 1 };
}
