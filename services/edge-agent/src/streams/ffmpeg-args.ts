/**
 * ffmpeg arguments to pull one camera stream and push it unchanged as FLV: `-c copy` (no
 * transcoding on a small box), RTSP interleaved over TCP (`-rtsp_transport tcp`, so NAT and packet
 * loss on the LAN do not break the picture), and `-progress pipe:1` so the bytes written can be
 * counted for UpFlow.
 */
export function ffmpegPushArgs(inputUrl: string, pushUrl: string): string[] {
  const rtsp = /^rtsps?:\/\//i.test(inputUrl);
  return [
    "-hide_banner",
    "-nostdin",
    "-loglevel",
    "warning",
    "-nostats",
    ...(rtsp ? ["-rtsp_transport", "tcp"] : ["-re"]),
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
