import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WsFrameParser } from "../../src/ws-frame.js";

export interface HttpResult {
  status: number;
  body: Buffer;
  /** Milliseconds from the request to the first body byte. */
  firstByteMs: number;
}

/** GETs `url`, reading the body until `maxBytes` or `maxMs`, whichever first. */
export function httpGet(url: string, maxBytes: number, maxMs: number): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const req = request(url, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let firstByteMs = -1;
      const finish = () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), firstByteMs });
      };
      const timer = setTimeout(finish, maxMs);
      res.on("data", (chunk: Buffer) => {
        if (firstByteMs < 0) firstByteMs = Date.now() - started;
        chunks.push(chunk);
        size += chunk.length;
        if (size >= maxBytes) finish();
      });
      res.on("end", finish);
      res.on("error", finish);
    });
    req.on("error", reject);
    req.end();
  });
}

/** A WebSocket client (masked frames as RFC 6455 §5.3 requires); collects binary payloads. */
export function wsGet(url: string, maxBytes: number, maxMs: number): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-version": "13", "sec-websocket-key": randomBytes(16).toString("base64") },
    });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on("upgrade", (res, socket, head) => {
      const parser = new WsFrameParser(16 * 1024 * 1024);
      const payloads: Buffer[] = [];
      let size = 0;
      const finish = () => {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(payloads) });
      };
      const timer = setTimeout(finish, maxMs);
      const onData = (chunk: Buffer) => {
        const parsed = parser.push(chunk);
        if (!parsed.ok) return finish();
        for (const frame of parsed.frames) {
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
  width?: number;
  height?: number;
}

export function ffprobe(data: Buffer, name: string): Probed[] {
  const path = join(tmpdir(), `${name}-${process.pid}-${Date.now()}`);
  writeFileSync(path, data);
  const r = spawnSync("ffprobe", ["-v", "error", "-show_streams", "-of", "json", path], { encoding: "utf8" });
  return (JSON.parse(r.stdout || "{\"streams\":[]}") as { streams: Probed[] }).streams;
}

/** FLV tags after the 13-byte header: type and first body byte (frame type for video). */
export function flvTags(flv: Buffer): Array<{ type: number; firstByte: number; second: number }> {
  const tags: Array<{ type: number; firstByte: number; second: number }> = [];
  for (let offset = 13; offset + 11 <= flv.length; ) {
    const size = flv.readUIntBE(offset + 1, 3);
    if (offset + 11 + size > flv.length) break;
    tags.push({ type: flv[offset]!, firstByte: flv[offset + 11]!, second: flv[offset + 12]! });
    offset += 11 + size + 4;
  }
  return tags;
}
