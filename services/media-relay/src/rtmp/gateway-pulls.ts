import { gatewayStreamStart, gatewayStreamStop, isBusError, type Bus, type PlayRecord } from "@ivc/bus";
import { signStreamPath } from "@ivc/media";
import type { Logger } from "@ivc/runtime";
import type { RelayMetrics } from "../metrics.js";
import { PlayError } from "../play-error.js";
import type { PlayTimeline, TimelineStore } from "../play-timeline.js";
import type { PushedStream } from "./pushed-stream.js";
import type { PushedStreams } from "./pushed-streams.js";
import type { StreamAuthorizer } from "./stream-authorizer.js";

export interface GatewayPullsDeps {
  bus: Bus;
  authorizer: StreamAuthorizer;
  pushed: PushedStreams;
  timelines: TimelineStore;
  /** `rtmp://<advertised host>:<RTMP port>`: where boxes push (the port is known once RTMP listens). */
  pushBase: () => string;
  /** The stream app of push URLs (`/live/<channel code>`). */
  app: string;
  playTimeoutMs: number;
  noViewerMs: number;
  /**
   * How long the push URL's signature stays valid. The box restarts a failed ffmpeg with the same
   * URL for as long as the stream runs, so it must outlive a long watch.
   */
  pushSignSeconds: number;
  logger: Logger;
  metrics: RelayMetrics;
}

/** A gateway channel this relay asked a box to push (or whose push it adopted). */
interface GatewayPull {
  readonly streamId: string;
  readonly gwId: string;
  timeline: PlayTimeline;
  /** Viewers waiting for the stream to start. */
  holds: number;
  lastWatchedAt: number;
  starting: Promise<PushedStream> | undefined;
}

type PublishWaiter = (stream: PushedStream) => void;

/** The stage a failed `gw.stream.start` stands for: the box was not there or silent, or it refused. */
function startFailure(err: unknown, gwId: string): PlayError {
  if (isBusError(err, "remote")) return new PlayError("gateway refused", `gateway ${gwId} refused gw.stream.start: ${err.remoteCode ?? ""} ${err.message}`.trim());
  const kind = isBusError(err) ? err.kind : "error";
  const detail = err instanceof Error ? err.message : String(err);
  return new PlayError("gateway unreachable", `gateway ${gwId} did not answer gw.stream.start (${kind}): ${detail}`);
}

/**
 * Live view of gateway channels (AccessProtocol 3): a viewer of `/live/<channel code>?gw=<gwId>`
 * that is not being pushed makes the relay ask the box (`gw.stream.start`) to pull the camera's
 * RTSP and push it to `rtmp://<this relay>/live/<channel code>?sign=…`, signed with the gateway's
 * push secret from `api.stream.authorize`; the viewer waits up to PLAY_TIMEOUT for the publish and
 * its first keyframe, then watches the pushed stream's fan-out like any RTMP stream. With no
 * viewer for NO_VIEWER_CLOSE the box is told `gw.stream.stop`.
 */
export class GatewayPulls {
  private readonly pulls = new Map<string, GatewayPull>();
  private readonly publishWaiters = new Map<string, Set<PublishWaiter>>();

  constructor(private readonly deps: GatewayPullsDeps) {}

  get size(): number {
    return this.pulls.size;
  }

  /**
   * The pushed stream of gateway channel `streamId`, asking box `gwId` to start it when needed;
   * resolves once it has a keyframe. Rejects with a PlayError naming the failed stage. The pull
   * exists as soon as this returns, so `hold` may be called right after.
   */
  start(streamId: string, gwId: string): Promise<PushedStream> {
    let pull = this.pulls.get(streamId);
    if (pull?.starting !== undefined) return pull.starting;
    const running = this.deps.pushed.get(streamId);
    if (running !== undefined && !running.isEnded) {
      return running.whenReady(this.deps.playTimeoutMs).then(
        () => running,
        (err: Error) => Promise.reject(new PlayError("no push from gateway", err.message)),
      );
    }
    const timeline = this.begin(streamId);
    if (pull === undefined) {
      pull = { streamId, gwId, timeline, holds: 0, lastWatchedAt: Date.now(), starting: undefined };
      this.pulls.set(streamId, pull);
    } else {
      pull.timeline = timeline;
    }
    const current = pull;
    current.starting = this.run(current, gwId).finally(() => {
      current.starting = undefined;
      current.lastWatchedAt = Date.now();
    });
    return current.starting;
  }

  /** A viewer waits for `streamId`: no `gw.stream.stop` until released. */
  hold(streamId: string): () => void {
    const pull = this.pulls.get(streamId);
    if (pull === undefined) return () => undefined;
    pull.holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      pull.holds -= 1;
      pull.lastWatchedAt = Date.now();
    };
  }

  /** The stages of the latest play of `streamId` (kept after a failure, for the viewer's error). */
  timeline(streamId: string): PlayRecord["stages"] {
    return this.deps.timelines.plays(streamId)[0]?.stages ?? [];
  }

  /** A viewer got its first bytes. */
  watching(streamId: string): void {
    this.pulls.get(streamId)?.timeline.mark("first-byte");
  }

  /**
   * The RTMP server accepted a publish. A box's push nobody here asked for (the relay restarted
   * while the box kept pushing) is adopted, so the no-viewer close stops it too.
   */
  published(stream: PushedStream, gwId: string | undefined): void {
    const waiters = this.publishWaiters.get(stream.streamId);
    this.publishWaiters.delete(stream.streamId);
    for (const waiter of waiters ?? []) waiter(stream);
    if (gwId === undefined || this.pulls.has(stream.streamId)) return;
    const timeline = this.begin(stream.streamId);
    timeline.mark("push-started", `unrequested push from gateway ${gwId} adopted`);
    this.pulls.set(stream.streamId, { streamId: stream.streamId, gwId, timeline, holds: 0, lastWatchedAt: Date.now(), starting: undefined });
  }

  /** Stops the boxes' pushes nobody watched for NO_VIEWER_CLOSE. */
  tick(now: number): void {
    for (const pull of [...this.pulls.values()]) {
      if (pull.starting !== undefined || pull.holds > 0 || (this.deps.pushed.get(pull.streamId)?.viewerCount ?? 0) > 0) {
        pull.lastWatchedAt = now;
        continue;
      }
      if (now - pull.lastWatchedAt >= this.deps.noViewerMs) this.stop(pull, "no viewer");
    }
  }

  /** The relay stops: every box is told to stop pushing here. */
  async stopAll(reason: string): Promise<void> {
    await Promise.all([...this.pulls.values()].map((pull) => this.stop(pull, reason)));
  }

  private begin(streamId: string): PlayTimeline {
    return this.deps.timelines.begin({ streamId, channelId: streamId, kind: "live", transport: "gateway-push", ssrc: "" });
  }

  private async run(pull: GatewayPull, gwId: string): Promise<PushedStream> {
    const { timeline, streamId } = pull;
    const deadline = Date.now() + this.deps.playTimeoutMs;
    const remaining = (): number => Math.max(1, deadline - Date.now());
    let asked = false;
    try {
      const grant = await this.deps.authorizer.gatewayGrant(this.deps.app, streamId);
      if (!grant.ok) {
        if (grant.unreachable) throw new PlayError("signaling unavailable", grant.reason);
        throw new PlayError(grant.disabled === true ? "device refused" : "device offline", grant.reason);
      }
      if (grant.gwId !== gwId) throw new PlayError("device refused", `${streamId} belongs to another gateway than ${gwId}`);
      const path = `/${this.deps.app}/${streamId}`;
      const sign = signStreamPath(path, grant.secret, Math.floor(Date.now() / 1000) + this.deps.pushSignSeconds);
      const pushUrl = `${this.deps.pushBase()}${path}?sign=${sign}`;
      // Registered before asking: a fast box may publish before its answer arrives.
      const publish = this.nextPublish(streamId, remaining);
      timeline.mark("gateway-start-sent", gwId);
      asked = true;
      try {
        await this.deps.bus.request(gatewayStreamStart, { gwId }, { channelId: streamId, pushUrl }, { timeoutMs: remaining() });
      } catch (err) {
        publish.cancel();
        throw startFailure(err, gwId);
      }
      timeline.mark("gateway-started");
      const stream = await publish.promise;
      timeline.mark("push-started");
      await stream.whenReady(remaining()).catch((err: Error) => {
        throw new PlayError("no push from gateway", `the gateway's push brought no keyframe: ${err.message}`);
      });
      timeline.mark("first-keyframe");
      return stream;
    } catch (err) {
      const failure = err instanceof PlayError ? err : new PlayError("closed", err instanceof Error ? err.message : String(err));
      timeline.mark("failed", `${failure.stage}: ${failure.message}`);
      timeline.end(failure.stage);
      this.deps.metrics.playFailures.inc({ stage: failure.stage });
      this.deps.logger.warn({ streamId, gwId, stage: failure.stage }, `gateway play failed: ${failure.message}`);
      this.pulls.delete(streamId);
      if (asked) this.askStop(gwId, streamId);
      throw failure;
    }
  }

  /** The next accepted publish of `streamId`, or "no push from gateway" when none comes in time. */
  private nextPublish(streamId: string, remaining: () => number): { promise: Promise<PushedStream>; cancel(): void } {
    let waiter: PublishWaiter = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    const cancel = (): void => {
      clearTimeout(timer);
      this.publishWaiters.get(streamId)?.delete(waiter);
    };
    const promise = new Promise<PushedStream>((resolve, reject) => {
      waiter = (stream) => {
        cancel();
        resolve(stream);
      };
      const waiters = this.publishWaiters.get(streamId) ?? new Set<PublishWaiter>();
      waiters.add(waiter);
      this.publishWaiters.set(streamId, waiters);
      timer = setTimeout(() => {
        cancel();
        reject(new PlayError("no push from gateway", `the gateway published nothing to ${streamId} within the play timeout`));
      }, remaining());
    });
    // The rejection is observed by `run` only once the box answered; until then it must not be unhandled.
    promise.catch(() => undefined);
    return { promise, cancel };
  }

  private stop(pull: GatewayPull, reason: string): Promise<void> {
    this.pulls.delete(pull.streamId);
    pull.timeline.mark("closed", reason);
    pull.timeline.end(reason);
    this.deps.logger.info({ streamId: pull.streamId, gwId: pull.gwId, reason }, "gateway push stopped");
    return this.askStop(pull.gwId, pull.streamId);
  }

  private askStop(gwId: string, channelId: string): Promise<void> {
    return this.deps.bus
      .request(gatewayStreamStop, { gwId }, { channelId }, { timeoutMs: 5000 })
      .then(() => undefined)
      .catch((err: Error) => this.deps.logger.warn({ gwId, channelId, err: err.message }, "gw.stream.stop not answered; the box keeps pushing until it learns otherwise"));
  }
}
