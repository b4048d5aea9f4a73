import { execFile } from "node:child_process";
import { access, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isH264Keyframe, isH265Keyframe, joinAnnexB, splitAccessUnits, type VideoCodec } from "@ivc/media";

/** One coded picture of the looped source, in Annex-B form. */
export interface SourcePicture {
  readonly data: Buffer;
  readonly keyframe: boolean;
}

/** The pictures of an H.264 or H.265 elementary stream, starting at its first keyframe (a loop must restart decodably). */
export interface VideoSource {
  readonly codec: VideoCodec;
  readonly pictures: readonly SourcePicture[];
}

const isKeyframe: Readonly<Record<VideoCodec, (nals: Buffer[]) => boolean>> = { H264: isH264Keyframe, H265: isH265Keyframe };

/** Pictures of an Annex-B stream (H.264 IDR or H.265 IRAP keyframes); undefined when it holds no keyframe. */
export function parseVideoSource(codec: VideoCodec, elementaryStream: Buffer): VideoSource | undefined {
  const pictures = splitAccessUnits(codec, elementaryStream)
    .filter((nals) => nals.length > 0)
    .map((nals) => ({ data: joinAnnexB(nals), keyframe: isKeyframe[codec](nals) }));
  const first = pictures.findIndex((picture) => picture.keyframe);
  if (first < 0) return undefined;
  return { codec, pictures: pictures.slice(first) };
}

export async function loadVideoSource(codec: VideoCodec, path: string): Promise<VideoSource | undefined> {
  return parseVideoSource(codec, await readFile(path));
}

export const FFMPEG_PATH = "/usr/bin/ffmpeg";

/** Encoder arguments: a keyframe every second (25 pictures), no B-frames (GB cameras send none, and PS then carries DTS = PTS). */
const ENCODERS: Readonly<Record<VideoCodec, { args: readonly string[]; file: string }>> = {
  H264: { args: ["-c:v", "libx264", "-g", "25", "-bf", "0", "-pix_fmt", "yuv420p", "-f", "h264"], file: "testsrc.h264" },
  H265: {
    args: ["-c:v", "libx265", "-x265-params", "keyint=25:min-keyint=25:bframes=0:scenecut=0:log-level=error", "-pix_fmt", "yuv420p", "-f", "hevc"],
    file: "testsrc.h265",
  },
};

/**
 * Encodes ffmpeg's test picture (640x480, 25 fps) to a temporary Annex-B file of `codec`.
 * Resolves with the file's path, or undefined when ffmpeg is not installed.
 */
export async function generateTestPattern(ffmpeg = FFMPEG_PATH, seconds = 10, codec: VideoCodec = "H264"): Promise<string | undefined> {
  try {
    await access(ffmpeg);
  } catch {
    return undefined;
  }
  const { args: encoder, file } = ENCODERS[codec];
  const path = join(await mkdtemp(join(tmpdir(), "gb-device-sim-")), file);
  const args = ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=640x480:rate=25", "-t", String(seconds), ...encoder, "-y", path];
  await new Promise<void>((resolve, reject) => execFile(ffmpeg, args, (error) => (error ? reject(error) : resolve())));
  return path;
}
