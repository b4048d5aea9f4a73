import { createReadStream } from "node:fs";
import { access, readFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import type { FlvViewer } from "../flv-fanout.js";
import { playlistWithQuery } from "../hls-output.js";
import { HLS_PATH, LIVE_PATH } from "../media-paths.js";
import { httpFlvViewer, wsFlvViewer } from "../viewers.js";
import { PlayError } from "../play-error.js";
import { wsAcceptKey } from "../ws-frame.js";
import type { GatewayPulls } from "./gateway-pulls.js";
import type { PushedStream } from "./pushed-stream.js";
import type { PushedStreams } from "./pushed-streams.js";

const HLS_POLL_MS = 100;

function sendJson(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/** A pushed stream to serve: running already, or started on a gateway box (`?gw=`). */
interface PushedSource {
  readonly streamId: string;
  /** Resolves once the stream has a keyframe. */
  ready(): Promise<PushedStream>;
  /** Keeps a gateway push from being stopped while the viewer waits; returns the release. */
  hold(): () => void;
  /** The viewer got its first bytes. */
  watching(): void;
}

/** A failure as JSON: a PlayError names its stage (and the gateway play's timeline), else the publisher's timeout. */
function failureOf(err: unknown, streamId: string, gateways: GatewayPulls | undefined): { status: number; body: object } {
  if (err instanceof PlayError) {
    const timeline = gateways?.timeline(streamId) ?? [];
    return { status: err.httpStatus, body: { error: err.message, stage: err.stage, streamId, timeline } };
  }
  return { status: 504, body: { error: err instanceof Error ? err.message : String(err), stage: "rtmp publisher", streamId } };
}

/**
 * HTTP-FLV, WS-FLV and HLS for pushed streams — RTMP devices' and gateway boxes' — on the same URLs
 * as GB streams. Asked first: a stream id that is not being pushed and has no `gw` falls through
 * to the GB routes; with `gw` the box is asked to push it (GatewayPulls).
 */
export class PushedRoutes {
  constructor(
    private readonly pushed: PushedStreams,
    private readonly playTimeoutMs: number,
    private readonly gateways?: GatewayPulls,
  ) {}

  private sourceOf(streamId: string, query: URLSearchParams): PushedSource | undefined {
    const stream = this.pushed.get(streamId);
    const gwId = query.get("gw");
    const gateways = this.gateways;
    if (gateways !== undefined && gwId !== null && gwId !== "") {
      return { streamId, ready: () => gateways.start(streamId, gwId), hold: () => gateways.hold(streamId), watching: () => gateways.watching(streamId) };
    }
    if (stream === undefined) return undefined;
    return {
      streamId,
      ready: () => stream.whenReady(this.playTimeoutMs).then(() => stream),
      hold: () => () => undefined,
      watching: () => undefined,
    };
  }

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const url = new URL(req.url ?? "/", "http://relay");
    const live = LIVE_PATH.exec(url.pathname);
    const liveSource = live && this.sourceOf(live[1]!, url.searchParams);
    if (liveSource) {
      void this.serveFlv(liveSource, req, (status, body) => sendJson(res, status, body), () => {
        res.writeHead(200, { "content-type": "video/x-flv", "cache-control": "no-store", "access-control-allow-origin": "*" });
        return httpFlvViewer(res);
      });
      return true;
    }
    const hls = HLS_PATH.exec(url.pathname);
    if (hls && hls[2] !== "index.m3u8") {
      const stream = this.pushed.get(hls[1]!);
      if (stream === undefined) return false;
      void this.serveSegment(stream, hls[2]!, res).catch(() => res.destroy());
      return true;
    }
    const hlsSource = hls && this.sourceOf(hls[1]!, url.searchParams);
    if (hlsSource) {
      void this.servePlaylist(hlsSource, url.search, req, res).catch(() => res.destroy());
      return true;
    }
    return false;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex): boolean {
    const url = new URL(req.url ?? "/", "http://relay");
    const live = LIVE_PATH.exec(url.pathname);
    const source = live && this.sourceOf(live[1]!, url.searchParams);
    const key = req.headers["sec-websocket-key"];
    if (!source || req.headers.upgrade?.toLowerCase() !== "websocket" || typeof key !== "string" || req.headers["sec-websocket-version"] !== "13") return false;
    void this.serveFlv(source, req, (status, body) => {
      const text = JSON.stringify(body);
      socket.end(`HTTP/1.1 ${status} Play Failed\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
    }, () => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${wsAcceptKey(key)}\r\n\r\n`);
      return wsFlvViewer(socket);
    });
    return true;
  }

  private async serveFlv(source: PushedSource, req: IncomingMessage, fail: (status: number, body: object) => void, accept: () => FlvViewer): Promise<void> {
    const ready = source.ready();
    const release = source.hold();
    let stream: PushedStream;
    try {
      stream = await ready;
    } catch (err) {
      const { status, body } = failureOf(err, source.streamId, this.gateways);
      if (!req.socket.destroyed) fail(status, body);
      return;
    } finally {
      release();
    }
    if (req.socket.destroyed) return;
    const viewer = accept();
    if (stream.addViewer(viewer)) source.watching();
    else viewer.close("stream ended", "end");
  }

  private async serveSegment(stream: PushedStream, file: string, res: ServerResponse): Promise<void> {
    const dir = stream.hlsDir;
    const path = dir === undefined ? undefined : join(dir, file);
    if (path === undefined || !(await exists(path))) return sendJson(res, 404, { error: "no such segment", streamId: stream.streamId });
    res.writeHead(200, { "content-type": "video/mp2t", "cache-control": "no-store", "access-control-allow-origin": "*" });
    createReadStream(path).on("error", () => res.destroy()).pipe(res);
  }

  private async servePlaylist(source: PushedSource, search: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const deadline = Date.now() + this.playTimeoutMs;
    const ready = source.ready();
    const release = source.hold();
    let stream: PushedStream;
    try {
      stream = await ready;
    } catch (err) {
      const { status, body } = failureOf(err, source.streamId, this.gateways);
      return sendJson(res, status, body);
    } finally {
      release();
    }
    const playlist = await stream.hlsPlaylist();
    // ffmpeg writes the playlist after its first segment.
    while (playlist !== undefined && !(await exists(playlist))) {
      if (Date.now() > deadline || stream.isEnded || req.socket.destroyed) break;
      await new Promise((resolve) => setTimeout(resolve, HLS_POLL_MS));
    }
    if (playlist === undefined || !(await exists(playlist))) return sendJson(res, 504, { error: "no HLS segment within the play timeout", streamId: stream.streamId });
    const text = await readFile(playlist, "utf8");
    res.writeHead(200, { "content-type": "application/vnd.apple.mpegurl", "cache-control": "no-store", "access-control-allow-origin": "*" });
    res.end(playlistWithQuery(text, search));
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
