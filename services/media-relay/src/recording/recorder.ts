import type { IncomingMessage, ServerResponse } from "node:http";
import { recordingDesired, type Bus, type DesiredRecording } from "@ivc/bus";
import type { StreamRegistry } from "../stream-registry.js";
import type { StreamSession } from "../stream-session.js";
import { mergeRecordings, type RecordingsView, type ShardRecordings } from "../shards/recordings-merge.js";
import type { ShardAnswer } from "../shards/shard-protocol.js";
import { ChannelRecording, type RecordingStatus } from "./channel-recording.js";
import type { RecordingLifecycle } from "./lifecycle.js";
import type { RecordedDownload } from "./recorded-download.js";
import type { RecordedPlayback } from "./recorded-playback.js";
import type { RecordingWorkDeps } from "./recording-work.js";
import type { Uploader } from "./uploader.js";

export interface RecorderDeps extends RecordingWorkDeps {
  bus: Bus;
  registry: StreamRegistry;
  lifecycle: RecordingLifecycle;
  lifecycleMs: number;
  /** This process's shard index (0 unsharded). */
  shard: number;
  /** Shard 0 of a sharded relay: the other shards' recordings, for one operator view. */
  peers?: () => Promise<Array<ShardAnswer<ShardRecordings>>>;
  /** Whether this process runs the lifecycle pass (one per relay: shard 0). */
  runsLifecycle: boolean;
  playback: RecordedPlayback;
  download: RecordedDownload;
  /** Uploads of device recording into the same storage; started after recovery, stopped before the sink drains. */
  uploader: Uploader;
}

interface RecordedChannel {
  recording: ChannelRecording;
  session?: StreamSession;
  detach?: () => void;
  release?: () => void;
  opening: boolean;
  retryAt: number;
  backoffMs: number;
}

const STOP_DRAIN_MS = 5000;

/** Operator path listing every recorded channel's state. */
export const RECORDINGS_PATH = "/api/recordings";

/**
 * Keeps every channel the API says to record pulled through the stream registry (the same stream,
 * and INVITE, its viewers use), held against the no-viewer close, and its frames going into
 * segments. A stream that fails or drops is retried with back-off.
 */
export class Recorder {
  private readonly channels = new Map<string, RecordedChannel>();
  /** The API's last answer, every shard's channels included (shard 0 lists a silent shard's from it). */
  private desired: readonly DesiredRecording[] = [];
  private pollTimer: NodeJS.Timeout | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private lifecycleTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = false;
  private readonly now: () => number;

  constructor(private readonly deps: RecorderDeps) {
    this.now = deps.now ?? Date.now;
  }

  async start(): Promise<void> {
    const discarded = await this.deps.storage.recover();
    const replayed = await this.deps.sink.replayJournal();
    if (discarded > 0 || replayed > 0) this.deps.logger.info({ discarded, replayed }, "recording recovered: half-written segments discarded, unindexed segments re-reported");
    void this.poll();
    this.pollTimer = setInterval(() => void this.poll(), this.deps.pollMs);
    this.deps.uploader.start();
    this.tickTimer = setInterval(() => this.tick(), 250);
    if (this.deps.runsLifecycle) {
      this.lifecycleTimer = setInterval(() => void this.runLifecycle(), this.deps.lifecycleMs);
      // A retrieval task added or deleted is worked on now; the lifecycle timer stays the net for a lost event.
      this.deps.lifecycle.listen();
    }
  }

  /** One lifecycle pass now (also run on its timer); failures are logged, the next pass retries. */
  async runLifecycle(): Promise<{ cold: number; deleted: number }> {
    try {
      return await this.deps.lifecycle.runOnce();
    } catch (err) {
      this.deps.metrics.failures.inc({ stage: "lifecycle query" });
      this.deps.logger.warn({ stage: "lifecycle query", err: (err as Error).message }, "recording lifecycle pass failed");
      return { cold: 0, deleted: 0 };
    }
  }

  get statuses(): RecordingStatus[] {
    return [...this.channels.values()].map((c) => ({ ...c.recording.status }));
  }

  /** This process's recorded channels (what a shard answers shard 0's `recordings` request). */
  own(): ShardRecordings {
    return { shard: this.deps.shard, pid: process.pid, recordings: this.statuses, uploads: this.deps.uploader.statuses };
  }

  /** The operator view: this process's channels and, on shard 0 of a sharded relay, every shard's. */
  async view(): Promise<RecordingsView> {
    const peers = (await this.deps.peers?.()) ?? [];
    return mergeRecordings([{ shard: this.deps.shard, ok: true, value: this.own() }, ...peers], this.desired);
  }

  /** Answers the operator path (recorded channels and uploads), recorded playback and downloads; false for other paths. */
  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if ((req.url ?? "").split("?")[0] !== RECORDINGS_PATH) return this.deps.playback.handle(req, res) || this.deps.download.handle(req, res);
    void this.view().then((view) => {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(view));
    });
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    clearInterval(this.tickTimer);
    clearInterval(this.lifecycleTimer);
    this.deps.lifecycle.stop();
    this.deps.uploader.stop();
    for (const channel of this.channels.values()) this.detach(channel);
    this.channels.clear();
    // The segments just closed get a few seconds to reach storage; a journal covers their index rows.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.deps.sink.drained(), new Promise((done) => (timer = setTimeout(done, STOP_DRAIN_MS)))]);
    clearTimeout(timer);
    await this.deps.sink.stop();
  }

  /** The API's answer is the whole truth: channels it no longer names stop, new ones start. */
  async poll(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      const { recordings } = await this.deps.bus.request(recordingDesired, { clusterId: this.deps.clusterId }, {}, { timeoutMs: Math.max(1000, this.deps.pollMs) });
      this.reconcile(recordings);
    } catch (err) {
      // Keep recording what was asked before: an API restart must not cut recordings.
      this.deps.metrics.failures.inc({ stage: "schedule query" });
      this.deps.logger.warn({ stage: "schedule query", err: (err as Error).message }, "could not ask the API what to record; keeping the current recordings");
    } finally {
      this.polling = false;
    }
    this.tick();
  }

  private reconcile(desired: readonly DesiredRecording[]): void {
    const owns = this.deps.owns;
    this.desired = desired;
    const wanted = new Map(desired.filter((d) => owns === undefined || owns(d.streamId)).map((d) => [d.streamId, d]));
    for (const [streamId, channel] of this.channels) {
      if (wanted.has(streamId)) continue;
      this.detach(channel);
      this.channels.delete(streamId);
      this.deps.logger.info({ streamId, deviceId: channel.recording.desired.deviceId, channelId: channel.recording.desired.channelId }, "recording stopped: schedule over");
    }
    for (const [streamId, d] of wanted) {
      const existing = this.channels.get(streamId);
      if (existing !== undefined) {
        existing.recording.desired = d;
        continue;
      }
      this.channels.set(streamId, { recording: new ChannelRecording(d, { sink: this.deps.sink, storage: this.deps.storage, segmentMs: this.deps.segmentMs, utcOffsetMinutes: this.deps.utcOffsetMinutes, logger: this.deps.logger, now: this.now }), opening: false, retryAt: 0, backoffMs: this.deps.retryFirstMs });
    }
  }

  private tick(): void {
    if (this.stopped) return;
    const now = this.now();
    const counts = { scheduled: 0, recording: 0, retrying: 0 };
    for (const channel of this.channels.values()) {
      const session = channel.session;
      if (session !== undefined && session.state === "ended") this.dropped(channel, session, now);
      else if (session !== undefined && session.state === "playing") channel.backoffMs = this.deps.retryFirstMs;
      if (channel.session === undefined && !channel.opening && now >= channel.retryAt) void this.open(channel);
      counts[channel.recording.status.state]++;
    }
    for (const [state, count] of Object.entries(counts)) this.deps.metrics.channels.set({ state }, count);
  }

  private async open(channel: RecordedChannel): Promise<void> {
    const { deviceId, streamId, channelId } = channel.recording.desired;
    channel.opening = true;
    try {
      const session = await this.deps.registry.forViewer({ streamId, deviceId, transport: "udp" });
      if (this.stopped || !this.channels.has(streamId)) return;
      channel.session = session;
      channel.release = session.holdForViewer();
      channel.recording.begin();
      channel.detach = session.tapFrames((frame) => channel.recording.push(frame));
      this.deps.logger.info({ streamId, deviceId, channelId }, "recording stream opened");
    } catch (err) {
      this.scheduleRetry(channel, (err as Error).message, this.now());
    } finally {
      channel.opening = false;
    }
  }

  private dropped(channel: RecordedChannel, session: StreamSession, now: number): void {
    this.detach(channel);
    const reason = session.timeline.record.outcome ?? "stream ended";
    this.deps.metrics.failures.inc({ stage: "stream" });
    this.scheduleRetry(channel, reason, now);
  }

  private scheduleRetry(channel: RecordedChannel, reason: string, now: number): void {
    const { deviceId, channelId, streamId } = channel.recording.desired;
    channel.recording.retrying(reason);
    channel.retryAt = now + channel.backoffMs;
    this.deps.logger.warn({ streamId, deviceId, channelId, stage: "stream", reason, retryInMs: channel.backoffMs }, "recording stream lost; retrying");
    channel.backoffMs = Math.min(this.deps.retryMaxMs, channel.backoffMs * 2);
  }

  private detach(channel: RecordedChannel): void {
    channel.detach?.();
    channel.release?.();
    channel.recording.end();
    delete channel.detach;
    delete channel.release;
    delete channel.session;
  }
}
