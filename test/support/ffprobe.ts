import { execFile } from "node:child_process";

/**
 * ffprobe run asynchronously: the virtual devices live in the test's own process, so a blocking
 * spawnSync would stop them from answering the very INVITE the probe triggers.
 */
export function ffprobe(args: readonly string[], timeoutMs = 30_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("ffprobe", ["-v", "error", ...args], { timeout: timeoutMs, encoding: "utf8" }, (_err, stdout, stderr) => resolve({ stdout, stderr }));
  });
}

/** codec_name, width, height and r_frame_rate of the first video stream at `url`. */
export async function probeVideo(url: string): Promise<Record<string, string>> {
  const { stdout } = await ffprobe(["-rw_timeout", "15000000", "-show_entries", "stream=codec_name,width,height,r_frame_rate", "-select_streams", "v:0", "-of", "default=nw=1", url]);
  return Object.fromEntries(stdout.trim().split("\n").filter(Boolean).map((l) => l.split("=") as [string, string]));
}
