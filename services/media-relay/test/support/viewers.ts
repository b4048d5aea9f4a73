import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { request as httpsRequest } from "node:https";
import { randomBytes } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WsFrameParser } from "../../src/ws-frame.js";

export interface HttpResult {
  status: number;
  body: Buffer;
  /** Milliseconds from the request to the first body byte. */
  firstByteMs: number;
  /** The server ended the body (a clean end of stream) before `maxBytes` or `maxMs`. */
  ended: boolean;
}

/** GETs `url`, reading the body until `maxBytes` or `maxMs`, whichever first. */
export function httpGet(url: string, maxBytes: number, maxMs: number): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const req = request(url, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let firstByteMs = -1;
      let ended = false;
      const finish = () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), firstByteMs, ended });
      };
      const timer = setTimeout(finish, maxMs);
      res.on("data", (chunk: Buffer) => {
        if (firstByteMs < 0) firstByteMs = Date.now() - started;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= maxBytes) finish();
      });
      res.on("end", () => {
        ended = true;
        finish();
      });
      res.on("error", finish);
    });
    req.on("error", reject);
    req.end();
  });
}

/**
 * A WebSocket client (masked frames as RFC 6455 §5.3 requires); collects binary payloads and the
 * server's close code. With `tls`, `url` is https: (WSS) and the server must present a certificate for `servername` that `ca` signed.
 */
export function wsGet(url: string, maxBytes: number, maxMs: number, tls?: { ca: string; servername: string }): Promise<{ status: number; body: Buffer; closeCode?: number }> {
  return new Promise((resolve, reject) => {
    const headers = { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": randomBytes(16).toString("base64") };
    const req = tls ? httpsRequest(url, { headers, ...tls }) : request(url, { headers });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on("upgrade", (res, socket, head) => {
      const parser = new WsFrameParser(16 * 1024 * 1024);
      const payloads: Buffer[] = [];
      let size = 0;
      let closeCode: number | undefined;
      const finish = () => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(payloads), ...(closeCode !== undefined ? { closeCode } : {}) });
      };
      const timer = setTimeout(finish, maxMs);
      const onData = (chunk: Buffer) => {
        const parsed = parser.push(chunk);
        if (!parsed.ok) return finish();
        for (const frame of parsed.frames) {
          if (frame.opcode === 8) {
            closeCode = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
            return finish();
          }
          if (frame.opcode !== 2) continue;
          payloads.push(frame.payload);
          size += frame.payload.length;
        }
        if (size >= maxBytes) finish();
      };
      if (head.length > 0) onData(head);
      socket.on("data", onData);
    });
    req.on("error", reject);
    req.end();
  });
}

export interface Probed {
  codec_name: string;
  codec_type: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
}

export function ffprobe(data: Buffer, name: string): Probed[] {
  const path = join(tmpdir(), `${name}-${process.pid}-${Date.now()}`);
  writeFileSync(path, data);
  const r = spawnSync("ffprobe", ["-v", "error", "-show_streams", "-of", "json", path], { encoding: "utf8" });
  return (JSON.parse(r.stdout || "{\"streams\":[]}") as { streams: Probed[] }).streams;
}

export interface FlvTagSummary {
  type: number;
  /** Frame type and codec (video), sound format (audio). */
  firstByte: number;
  /** AVC packet type for video (0 = sequence header, 1 = NALU). */
  second: number;
  /** FLV v10.1 §E.4.1: 24 bits plus the extension byte as the high 8. */
  timestampMs: number;
}

/** FLV tags after the 13-byte header. */
export function flvTags(flv: Buffer): FlvTagSummary[] {
  const tags: FlvTagSummary[] = [];
  for (let offset = 13; offset + 11 <= flv.length; ) {
    const size = flv.readUIntBE(offset + 1, 3);
    if (offset + 11 + size > flv.length) break;
    const timestampMs = flv.readUIntBE(offset + 4, 3) + flv[offset + 7]! * 0x1000000;
    tags.push({ type: flv[offset]!, firstByte: flv[offset + 11]!, second: flv[offset + 12]!, timestampMs });
    offset += 11 + size + 4;
  }
  return tags;
}

/** Decodes the whole FLV with ffmpeg: the decoded picture count, or the errors ffmpeg printed. */
export function ffmpegDecode(data: Buffer, name: string): { frames: number; errors: string } {
  const path = join(tmpdir(), `${name}-${process.pid}-${Date.now()}`);
  writeFileSync(path, data);
  const r = spawnSync("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path], { encoding: "utf8" });
  rmSync(path, { force: true });
  return { frames: Number.parseInt(r.stdout.trim(), 10) || 0, errors: r.stderr.trim() };
}
