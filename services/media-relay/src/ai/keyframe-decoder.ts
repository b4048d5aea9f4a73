import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import type { VideoCodec } from "@ivc/media";
import type { PictureSize } from "./detector.js";

export interface DecodedKeyframe {
  /** The snapshot as stored and served, full frame size. */
  jpeg: Buffer;
  /** One RGB24 picture per `detectSizes` entry, in that order (scaled without keeping the aspect), for the detectors. */
  rgb: Buffer[];
  /** ffmpeg's own user + system CPU for this decode (`-benchmark`), milliseconds. */
  cpuMs: number;
}

export interface DecodeOptions {
  /** Also scale to these RGB24 pictures, one per detector input size (the frame is decoded once for all). */
  detectSizes?: readonly PictureSize[];
  /** JPEG quality on ffmpeg's 2 (best) … 31 scale. */
  jpegQuality?: number;
  binary?: string;
  timeoutMs?: number;
}

const BENCH = /bench: utime=([\d.]+)s stime=([\d.]+)s/;

function collect(stream: Readable | null): Promise<Buffer> {
  return new Promise((done, fail) => {
    if (stream === null) return done(Buffer.alloc(0));
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => done(Buffer.concat(chunks)));
    stream.on("error", fail);
  });
}

/**
 * Decodes one keyframe (an Annex-B access unit with its parameter sets) into a JPEG and, when asked,
 * RGB pictures at the detectors' input sizes (each on its own pipe, fd 3, 4, …), in one ffmpeg run that decodes that single intra frame and nothing else:
 * no reference frames are needed, so the cost is one I-frame decode per snapshot (measured in
 * bench/ai against decoding the whole GOP).
 */
export function decodeKeyframe(codec: VideoCodec, accessUnit: Buffer, options: DecodeOptions = {}): Promise<DecodedKeyframe> {
  const sizes = options.detectSizes ?? [];
  const args = [
    // -benchmark prints its "bench: utime=… stime=…" line at info level.
    "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info", "-benchmark",
    "-f", codec === "H264" ? "h264" : "hevc", "-i", "pipe:0",
    "-map", "0:v:0", "-frames:v", "1", "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", String(options.jpegQuality ?? 5), "pipe:1",
    ...sizes.flatMap((s, i) => ["-map", "0:v:0", "-frames:v", "1", "-vf", `scale=${s.width}:${s.height}`, "-f", "rawvideo", "-pix_fmt", "rgb24", `pipe:${3 + i}`]),
  ];
  const child = spawn(options.binary ?? "ffmpeg", args, { stdio: ["pipe", "pipe", "pipe", ...sizes.map(() => "pipe" as const)] });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 10_000);
  const outputs = Promise.all([collect(child.stdout), collect(child.stderr), Promise.all(sizes.map((_, i) => collect(child.stdio[3 + i] as Readable | null)))]);
  child.stdin.on("error", () => undefined);
  child.stdin.end(accessUnit);
  return new Promise((done, fail) => {
    child.on("error", (err) => {
      clearTimeout(timer);
      fail(err);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      void outputs.then(([jpeg, stderr, rgb]) => {
        const text = stderr.toString("utf8");
        if (code !== 0 || jpeg.length === 0) return fail(new Error(`ffmpeg could not decode the keyframe (exit ${code}): ${text.split("\n").slice(-4).join(" ").slice(0, 400)}`));
        const short = sizes.findIndex((s, i) => rgb[i]!.length !== s.width * s.height * 3);
        if (short >= 0) return fail(new Error(`ffmpeg gave ${rgb[short]!.length} RGB bytes for ${sizes[short]!.width}×${sizes[short]!.height}, not ${sizes[short]!.width * sizes[short]!.height * 3}`));
        const bench = BENCH.exec(text);
        done({ jpeg, rgb, cpuMs: bench ? (Number(bench[1]) + Number(bench[2])) * 1000 : Number.NaN });
      }, fail);
    });
  });
}
