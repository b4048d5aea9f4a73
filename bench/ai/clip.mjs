// The AI benches' pictures: the photo of people shipped in @vladmandic/human, or any ffmpeg input,
// encoded as the 640x360 H.264 a camera's sub-stream would send (25 fps, GOP 50).
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { isH264Keyframe, joinAnnexB, splitAccessUnits } from "@ivc/media";

const require = createRequire(new URL("../../services/media-relay/package.json", import.meta.url));
/** ffmpeg input arguments for the package's photo of people (assets/samples.jpg), looped. */
export const PEOPLE_PHOTO = ["-loop", "1", "-i", join(dirname(require.resolve("@vladmandic/human")), "..", "assets", "samples.jpg")];

/** `seconds` of an ffmpeg input as a 640x360 H.264 elementary stream, split into access units. */
export function encodeClip(input, seconds) {
  const es = execFileSync("ffmpeg", ["-v", "error", ...input, "-t", String(seconds), "-r", "25", "-vf", "scale=640:360,format=yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-g", "50", "-f", "h264", "pipe:1"]);
  return splitAccessUnits("H264", es);
}

/** The first keyframe of the access units (SPS, PPS and the IDR) as one Annex-B buffer. */
export const firstKeyframe = (units) => joinAnnexB(units.find((u) => isH264Keyframe(u)));
