/** How long a camera may send nothing before ffmpeg gives up on it (and is restarted). */
export const DEFAULT_INPUT_TIMEOUT_MS = 10_000;

/**
 * ffmpeg arguments to pull one camera stream and push it unchanged as FLV: `-c copy` (no
 * transcoding on a small box), RTSP interleaved over TCP (`-rtsp_transport tcp`, so NAT and packet
 * loss on the LAN do not break the picture) with an I/O timeout (`-timeout`, µs: a camera that
 * hangs with its connection open would otherwise keep ffmpeg waiting forever, pushing nothing),
 * and `-progress pipe:1` so the bytes written can be counted for UpFlow.
 */
export function ffmpegPushArgs(inputUrl: string, pushUrl: string, inputTimeoutMs = DEFAULT_INPUT_TIMEOUT_MS): string[] {
  const rtsp = /^rtsps?:\/\//i.test(inputUrl);
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "warning",
    "-nostats",
    ...(rtsp ? ["-rtsp_transport", "tcp", "-timeout", String(inputTimeoutMs * 1000)] : ["-re"]),
    "-i",
    inputUrl,
    "-c",
    "copy",
    "-f",
    "flv",
    "-progress",
    "pipe:1",
    pushUrl,
  ];
}

/**
 * Reads `-progress` output (key=value lines) and yields the latest `total_size` in bytes; other
 * keys are ignored, and "N/A" (ffmpeg's value before the first write) gives undefined.
 */
export function progressTotalSize(line: string): number | undefined {
  const m = /^total_size=(\d+)\s*$/.exec(line);
  return m ? Number(m[1]) : undefined;
}

/** Hides the password of rtsp://user:pass@host URLs in logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@/]*@/, "$1***@");
}
