import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import type { FlvViewer } from "../flv-fanout.js";
import { httpFlvViewer, wsFlvViewer } from "../viewers.js";
import { wsAcceptKey } from "../ws-frame.js";
import type { PushedStream } from "./pushed-stream.js";
import type { PushedStreams } from "./pushed-streams.js";

const LIVE = /^\/live\/([A-Za-z0-9_@-]{1,129})\.live\.flv$/;
const HLS = /^\/hls\/([A-Za-z0-9_@-]{1,129})\/(index\.m3u8|seg\d{1,9}\.ts)$/;
const HLS_POLL_MS = 100;

function sendJson(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/**
 * HTTP-FLV, WS-FLV and HLS for streams RTMP devices push, on the same URLs as GB streams. Asked
 * first: a stream id that is not being pushed falls through to the GB routes.
 */
export class PushedRoutes {
  constructor(
    private readonly pushed: PushedStreams,
    private readonly playTimeoutMs: number,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const url = new URL(req.url ?? "/", "http://relay");
    const live = LIVE.exec(url.pathname);
    const liveStream = live && this.pushed.get(live[1]!);
    if (liveStream) {
      void this.serveFlv(liveStream, req, (status, body) => sendJson(res, status, body), () => {
        res.writeHead(200, { "content-type": "video/x-flv", "cache-control": "no-store", "access-control-allow-origin": "*" });
        return httpFlvViewer(res);
      });
      return true;
    }
    const hls = HLS.exec(url.pathname);
    const hlsStream = hls && this.pushed.get(hls[1]!);
    if (hlsStream) {
      void this.serveHls(hlsStream, hls[2]!, req, res).catch(() => res.destroy());
      return true;
    }
    return false;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex): boolean {
    const url = new URL(req.url ?? "/", "http://relay");
    const live = LIVE.exec(url.pathname);
    const stream = live && this.pushed.get(live[1]!);
    const key = req.headers["sec-websocket-key"];
    if (!stream || req.headers.upgrade?.toLowerCase() !== "websocket" || typeof key !== "string" || req.headers["sec-websocket-version"] !== "13") return false;
    void this.serveFlv(stream, req, (status, body) => {
      const text = JSON.stringify(body);
      socket.end(`HTTP/1.1 ${status} Play Failed\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`);
    }, () => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${wsAcceptKey(key)}\r\n\r\n`);
      return wsFlvViewer(socket);
    });
    return true;
  }

  private async serveFlv(stream: PushedStream, req: IncomingMessage, fail: (status: number, body: object) => void, accept: () => FlvViewer): Promise<void> {
    try {
      await stream.whenReady(this.playTimeoutMs);
    } catch (err) {
      if (!req.socket.destroyed) fail(504, { error: (err as Error).message, stage: "rtmp publisher", streamId: stream.streamId });
      return;
    }
    if (req.socket.destroyed) return;
    const viewer = accept();
    if (!stream.addViewer(viewer)) viewer.close("stream ended", "end");
  }

  private async serveHls(stream: PushedStream, file: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (file !== "index.m3u8") {
      const dir = stream.hlsDir;
      const path = dir === undefined ? undefined : join(dir, file);
      if (path === undefined || !(await exists(path))) return sendJson(res, 404, { error: "no such segment", streamId: stream.streamId });
      res.writeHead(200, { "content-type": "video/mp2t", "cache-control": "no-store", "access-control-allow-origin": "*" });
      createReadStream(path).on("error", () => res.destroy()).pipe(res);
      return;
    }
    const deadline = Date.now() + this.playTimeoutMs;
    try {
      await stream.whenReady(this.playTimeoutMs);
    } catch (err) {
      return sendJson(res, 504, { error: (err as Error).message, streamId: stream.streamId });
    }
    const playlist = await stream.hlsPlaylist();
    // ffmpeg writes the playlist after its first segment.
    while (playlist !== undefined && !(await exists(playlist))) {
      if (Date.now() > deadline || stream.isEnded || req.socket.destroyed) break;
      await new Promise((resolve) => setTimeout(resolve, HLS_POLL_MS));
    }
    if (playlist === undefined || !(await exists(playlist))) return sendJson(res, 504, { error: "no HLS segment within the play timeout", streamId: stream.streamId });
    res.writeHead(200, { "content-type": "application/vnd.apple.mpegurl", "cache-control": "no-store", "access-control-allow-origin": "*" });
    createReadStream(playlist).on("error", () => res.destroy()).pipe(res);
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
