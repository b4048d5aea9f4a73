// The bench's camera picture: ffmpeg's testsrc2 at 1280x720, 25 fps, H.264 at a 2 Mbit/s cap
// (-maxrate 2M -bufsize 1M), a keyframe every second, no B-frames (GB cameras send none). Encoded
// once and cached in os.tmpdir(), so later runs start at once.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isH264Keyframe, joinAnnexB, splitAccessUnits } from "@ivc/media";

export const FPS = 25;
/** The 90 kHz clock every simulated camera shares: picture tick k has timestamp FIRST_TIMESTAMP + k·TICKS_PER_PICTURE. */
export const FIRST_TIMESTAMP = 90_000;
export const TICKS_PER_PICTURE = 90_000 / FPS;
const SECONDS = 10;
const SIZE = "1280x720";
const CACHE = join(tmpdir(), `ivc-bench-media-testsrc2-${SIZE}-${FPS}fps-2M-${SECONDS}s.h264`);

/** Encodes (or reuses) the clip; returns its pictures and bitrate. */
export function benchClip() {
  if (!existsSync(CACHE)) {
    const partial = `${CACHE}.${process.pid}.partial`;
    const args = ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", `testsrc2=size=${SIZE}:rate=${FPS}`, "-t", String(SECONDS)];
    args.push("-c:v", "libx264", "-preset", "veryfast", "-b:v", "2M", "-maxrate", "2M", "-bufsize", "1M");
    args.push("-g", String(FPS), "-keyint_min", String(FPS), "-sc_threshold", "0", "-bf", "0", "-pix_fmt", "yuv420p", "-f", "h264", "-y", partial);
    const r = spawnSync("ffmpeg", args, { stdio: ["ignore", "ignore", "pipe"] });
    if (r.status !== 0) throw new Error(`ffmpeg could not encode the bench clip: ${r.error?.message ?? r.stderr?.toString()}`);
    renameSync(partial, CACHE);
  }
  return readClip(CACHE);
}

/** Access units of an Annex-B H.264 file, from its first keyframe (the loop restarts decodably). */
export function readClip(path) {
  const es = readFileSync(path);
  const all = splitAccessUnits("H264", es).filter((nals) => nals.length > 0).map((nals) => ({ data: joinAnnexB(nals), keyframe: isH264Keyframe(nals) }));
  const pictures = all.slice(Math.max(0, all.findIndex((p) => p.keyframe)));
  const bytes = pictures.reduce((sum, p) => sum + p.data.length, 0);
  return { path, size: SIZE, pictures, kbps: (bytes * 8 * FPS) / pictures.length / 1000 };
}

/** A picture as the simulated cameras mux it (`muxer`: a PsMuxer for H.264), with PTS = DTS = `ts`. */
export function psOfPicture(muxer, picture, ts) {
  return muxer.mux({ kind: "video", codec: "H264", pts: ts, dts: ts, data: picture.data, keyframe: picture.keyframe });
}
