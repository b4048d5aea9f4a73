import type { playbackActions } from "@ivc/bus";
import type { MansrtspCommand } from "@ivc/gb28181";

export interface PlaybackControlInput {
  action: (typeof playbackActions)[number];
  scale?: number | undefined;
  /** Seconds from the start of the requested range. */
  pos?: number | undefined;
}

/**
 * The MANSRTSP request for a playback control (GB/T 28181-2016 Appendix B): `play` with `pos`
 * seeks (Range: npt=<pos>-), with `scale` changes speed, with neither resumes (Range: npt=now-);
 * `pause` pauses now; `teardown` ends the playback in the device. Undefined for `pos` and `scale`
 * together, which the devices' RTSP subset does not define.
 */
export function playbackCommand(input: PlaybackControlInput, cseq: number): MansrtspCommand | undefined {
  if (input.pos !== undefined && input.scale !== undefined) return undefined;
  switch (input.action) {
    case "play":
      if (input.scale !== undefined) return { method: "PLAY", cseq, scale: input.scale };
      return { method: "PLAY", cseq, range: input.pos ?? "now" };
    case "pause":
      return { method: "PAUSE", cseq, pauseTime: "now" };
    case "teardown":
      return { method: "TEARDOWN", cseq };
  }
}
