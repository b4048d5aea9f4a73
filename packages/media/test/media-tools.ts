import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Test-only wrappers around Debian's ffmpeg/ffprobe, used to produce real streams and check our output. */

const workDir = mkdtempSync(join(tmpdir(), "ivc-media-"));

export function tempPath(name: string): string {
  return join(workDir, name);
}

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

export function ffmpeg(args: string[], outputName: string): Buffer {
  const output = tempPath(outputName);
  run("ffmpeg", ["-hide_banner", "-loglevel", "error", "-y", ...args, output]);
  return readFileSync(output);
}

/** A raw Annex-B elementary stream of `seconds` of testsrc, closed GOP of `gop`, no B-frames. */
export function encodeTestVideo(codec: "H264" | "H265", width: number, height: number, seconds: number, gop = 25): Buffer {
  const encoder = codec === "H264" ? ["-c:v", "libx264", "-bf", "0"] : ["-c:v", "libx265", "-x265-params", "bframes=0:log-level=error"];
  return ffmpeg(
    ["-f", "lavfi", "-i", `testsrc=size=${width}x${height}:rate=25`, "-t", String(seconds), ...encoder, "-g", String(gop), "-pix_fmt", "yuv420p", "-f", codec === "H264" ? "h264" : "hevc"],
    `${codec}-${width}x${height}-${seconds}.es`,
  );
}

export function encodeTestAudio(format: "alaw" | "mulaw" | "adts", seconds: number): Buffer {
  const codec = format === "adts" ? ["-c:a", "aac", "-ar", "16000", "-ac", "1"] : ["-ar", "8000", "-ac", "1"];
  return ffmpeg(["-f", "lavfi", "-i", "sine=frequency=440", "-t", String(seconds), ...codec, "-f", format], `sine.${format}`);
}

export interface ProbedStream {
  codec_name: string;
  codec_type: string;
  width?: number;
  height?: number;
  nb_read_frames?: string;
  sample_rate?: string;
  channels?: number;
}

export function ffprobeStreams(data: Buffer, name: string, format?: string): ProbedStream[] {
  const path = tempPath(name);
  writeFileSync(path, data);
  const formatArgs = format === undefined ? [] : ["-f", format];
  const json = run("ffprobe", ["-v", "error", ...formatArgs, "-count_frames", "-show_streams", "-of", "json", path]);
  return (JSON.parse(json) as { streams: ProbedStream[] }).streams;
}
