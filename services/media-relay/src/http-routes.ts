import { createReadStream } from "node:fs";
import { access, readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { join } from "node:path";
import type { MediaTransport } from "./ingest.js";
import { HLS_PATH, LIVE_PATH, PLAYS_PATH } from "./media-paths.js";
import { PlayError } from "./play-error.js";
import type { TimelineStore } from "./play-timeline.js";
import { parsePlaybackQuery } from "./playback-query.js";
import { playlistWithQuery } from "./hls-output.js";
import { parseStreamId, viewedStream, type StreamRegistry, type ViewerRequest } from "./stream-registry.js";
import type { StreamSession } from "./stream-session.js";
import { httpFlvViewer, wsFlvViewer } from "./viewers.js";
import type { FlvViewer } from "./flv-fanout.js";
import { wsAcceptKey } from "./ws-frame.js";

export interface MediaRoutesDeps {
  registry: StreamRegistry;
  timelines: TimelineStore;
  playTimeoutMs: number;
}

/**
 * The viewer-facing paths (README "Media URLs"):
 * - `GET /live/<streamId>.live.flv` — HTTP-FLV; the same path with a WebSocket upgrade is WS-FLV;
 * - `GET /hls/<streamId>/index.m3u8` and its segments;
 * - `GET /api/plays/<device>_<channel>` — the last plays' timelines (an operator path, see relay.ts).
 * A live stream id is `<device>_<channel>`; a bare `<channel>` with `?device=` names the same
 * stream. An idle stream is started on demand; `?transport=` feeds the INVITE, and a
 * playback (`<channelId>@<session>`, device in `?device=`) needs `?start=&end=` (epoch seconds, or ms). A live URL with
 * `?stream_type=2` (spec 02 §18 StreamType sub, as the API writes it) plays the channel's sub stream.
 */
const TRANSPORTS: readonly MediaTransport[] = ["udp", "tcp-passive", "tcp-active"];
const HLS_POLL_MS = 100;

type Parsed = { ok: true; request: ViewerRequest } | { ok: false; message: string };

function parseViewerRequest(pathId: string, query: URLSearchParams, authorized: string | undefined): Parsed {
  const viewed = viewedStream(pathId, query, authorized);
  if (!viewed.ok) return viewed;
  const { streamId } = viewed;
  const transport = query.get("transport") ?? "udp";
  if (!TRANSPORTS.includes(transport as MediaTransport)) return { ok: false, message: `transport must be one of ${TRANSPORTS.join(", ")}` };
  const request: ViewerRequest = { streamId, transport: transport as MediaTransport };
  if (viewed.deviceId !== undefined) request.deviceId = viewed.deviceId;
  if (parseStreamId(streamId).kind === "playback") {
    const range = parsePlaybackQuery(query);
    if (!range.ok) return range;
    request.playback = range.range;
  }
  return { ok: true, request };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function playFailure(err: unknown, streamId: string, session: StreamSession | undefined): { status: number; body: object } {
  const error = err instanceof PlayError ? err : new PlayError("closed", err instanceof Error ? err.message : String(err));
  const sipStatus = error.sipStatus !== undefined ? { sipStatus: error.sipStatus } : {};
  return { status: error.httpStatus, body: { error: error.message, stage: error.stage, ...sipStatus, streamId, timeline: session?.timeline.record.stages ?? [] } };
}

export class MediaRoutes {
  constructor(private readonly deps: MediaRoutesDeps) {}

  /** Returns false when the path is not a media path. `authorized`: the device the pull was authorized for. */
  handle(req: IncomingMessage, res: ServerResponse, authorized?: string): boolean {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const url = new URL(req.url ?? "/", "http://relay");
    const live = LIVE_PATH.exec(url.pathname);
    if (live) {
      void this.serveFlv(live[1]!, url.searchParams, authorized, req, (status, body) => sendJson(res, status, body), () => {
        res.writeHead(200, { "content-type": "video/x-flv", "cache-control": "no-store", "access-control-allow-origin": "*" });
        return httpFlvViewer(res);
      });
      return true;
    }
    const hls = HLS_PATH.exec(url.pathname);
    if (hls) {
      void this.serveHls(hls[1]!, hls[2]!, url, authorized, req, res);
      return true;
    }
    const plays = PLAYS_PATH.exec(url.pathname);
    if (plays) {
      sendJson(res, 200, { channelId: plays[1], plays: this.deps.timelines.plays(plays[1]!) });
      return true;
    }
    return false;
  }

  /** WS-FLV on the HTTP-FLV path (RFC 6455 §4.2 handshake). Returns false when not ours. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, authorized?: string): boolean {
    const url = new URL(req.url ?? "/", "http://relay");
    const live = LIVE_PATH.exec(url.pathname);
    if (!live) return false;
    const key = req.headers["sec-websocket-key"];
    if (req.headers.upgrade?.toLowerCase() !== "websocket" || typeof key !== "string" || req.headers["sec-websocket-version"] !== "13") {
      socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return true;
    }
    const rejectWith = (status: number, body: object): void => {
      const text = JSON.stringify(body);
      socket.end(`HTTP/1.1 ${status} Play Failed\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
    };
    void this.serveFlv(live[1]!, url.searchParams, authorized, req, rejectWith, () => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${wsAcceptKey(key)}\r\n\r\n`);
      return wsFlvViewer(socket);
    });
    return true;
  }

  private async startStream(streamId: string, query: URLSearchParams, authorized: string | undefined): Promise<{ session?: StreamSession; failure?: { status: number; body: object } }> {
    const parsed = parseViewerRequest(streamId, query, authorized);
    if (!parsed.ok) return { failure: { status: 400, body: { error: parsed.message, streamId } } };
    try {
      return { session: await this.deps.registry.forViewer(parsed.request) };
    } catch (err) {
      return { failure: playFailure(err, streamId, undefined) };
    }
  }

  /** Waits for the stream to have a keyframe, then attaches the viewer; a failure answers JSON naming the stage. */
  private async serveFlv(
    streamId: string,
    query: URLSearchParams,
    authorized: string | undefined,
    req: IncomingMessage,
    fail: (status: number, body: object) => void,
    accept: () => FlvViewer,
  ): Promise<void> {
    const { session, failure } = await this.startStream(streamId, query, authorized);
    if (session === undefined) {
      fail(failure!.status, failure!.body);
      return;
    }
    const release = session.holdForViewer();
    let gone = false;
    const onGone = (): void => {
      gone = true;
      release();
    };
    req.socket.once("close", onGone);
    try {
      await session.whenReady(this.deps.playTimeoutMs);
    } catch (err) {
      const { status, body } = playFailure(err, streamId, session);
      if (!gone) fail(status, body);
      return;
    } finally {
      // A kept-alive socket carries many requests; each must not leave a listener behind.
      req.socket.off("close", onGone);
      release();
    }
    if (gone) return;
    const viewer = accept();
    if (!session.addViewer(viewer)) viewer.close("stream ended", "end");
  }

  private async serveHls(streamId: string, file: string, url: URL, authorized: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const query = url.searchParams;
    if (file !== "index.m3u8") {
      const viewed = viewedStream(streamId, query, authorized);
      const dir = viewed.ok ? this.deps.registry.get(viewed.streamId)?.hlsDir : undefined;
      if (dir === undefined) return sendJson(res, 404, { error: "no such segment", streamId });
      const path = join(dir, file);
      if (!(await exists(path))) return sendJson(res, 404, { error: "no such segment", streamId });
      res.writeHead(200, { "content-type": "video/mp2t", "cache-control": "no-store", "access-control-allow-origin": "*" });
      createReadStream(path).on("error", () => res.destroy()).pipe(res);
      return;
    }
    const { session, failure } = await this.startStream(streamId, query, authorized);
    if (session === undefined) return sendJson(res, failure!.status, failure!.body);
    const deadline = Date.now() + this.deps.playTimeoutMs;
    const release = session.holdForViewer();
    try {
      await session.whenReady(this.deps.playTimeoutMs);
      const playlist = await session.hlsPlaylist();
      // ffmpeg writes the playlist after its first segment.
      while (playlist !== undefined && !(await exists(playlist))) {
        if (Date.now() > deadline || session.state === "ended" || req.socket.destroyed) throw new PlayError("closed", "no HLS segment within the play timeout");
        await new Promise((resolve) => setTimeout(resolve, HLS_POLL_MS));
      }
      if (playlist === undefined) throw new PlayError("closed", "stream ended");
      const text = await readFile(playlist, "utf8");
      res.writeHead(200, { "content-type": "application/vnd.apple.mpegurl", "cache-control": "no-store", "access-control-allow-origin": "*" });
      res.end(playlistWithQuery(text, url.search));
    } catch (err) {
      const { status, body } = playFailure(err, streamId, session);
      sendJson(res, status, body);
    } finally {
      release();
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
