import { execFile } from "node:child_process";
import { access, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isH264Keyframe, joinAnnexB, splitAccessUnits } from "@ivc/media";

/** One coded picture of the looped source, in Annex-B form. */
export interface SourcePicture {
  readonly data: Buffer;
  readonly keyframe: boolean;
}

/** The pictures of an H.264 elementary stream, starting at its first keyframe (a loop must restart decodably). */
export interface VideoSource {
  readonly pictures: readonly SourcePicture[];
}

/** Pictures of an Annex-B H.264 stream; undefined when it holds no keyframe. */
export function parseH264Source(elementaryStream: Buffer): VideoSource | undefined {
  const pictures = splitAccessUnits("H264", elementaryStream)
    .filter((nals) => nals.length > 0)
    .map((nals) => ({ data: joinAnnexB(nals), keyframe: isH264Keyframe(nals) }));
  const first = pictures.findIndex((picture) => picture.keyframe);
  if (first < 0) return undefined;
  return { pictures: pictures.slice(first) };
}

export async function loadH264Source(path: string): Promise<VideoSource | undefined> {
  return parseH264Source(await readFile(path));
}

export const FFMPEG_PATH = "/usr/bin/ffmpeg";

/**
 * Encodes ffmpeg's test picture to a temporary H.264 file (640x480, 25 fps, a keyframe every
 * second, no B-frames: GB cameras send none and PS carries DTS = PTS then). Resolves with the
 * file's path, or undefined when ffmpeg is not installed.
 */
export async function generateTestPattern(ffmpeg = FFMPEG_PATH, seconds = 10): Promise<string | undefined> {
  try {
    await access(ffmpeg);
  } catch {
    return undefined;
  }
  const path = join(await mkdtemp(join(tmpdir(), "gb-device-sim-")), "testsrc.h264");
  const args = ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=640x480:rate=25", "-t", String(seconds)];
  args.push("-c:v", "libx264", "-g", "25", "-bf", "0", "-pix_fmt", "yuv420p", "-f", "h264", "-y", path);
  await new Promise<void>((resolve, reject) => execFile(ffmpeg, args, (error) => (error ? reject(error) : resolve())));
  return path;
}
