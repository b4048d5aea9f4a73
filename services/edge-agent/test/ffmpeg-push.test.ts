import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FfmpegPush } from "../src/streams/ffmpeg-push.js";
import { logger } from "./support/platform.js";
import { RtspCamera } from "./support/rtsp-camera.js";

let work: string;
let camera: RtspCamera;
/** Stands for the relay: takes each push's FLV over plain TCP and counts it. */
let sink: Server;
let received = 0;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "ivc-edge-push-"));
  camera = new RtspCamera(work);
  await camera.start();
  sink = createServer((socket) => socket.on("data", (chunk: Buffer) => (received += chunk.length)).on("error", () => undefined));
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  await camera?.stop();
  await new Promise((resolve) => sink?.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

async function until(what: string, condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("FfmpegPush against a camera that hangs", () => {
  it("gives up on a camera that keeps its connection but sends nothing, restarts, and pushes again once it sends", async () => {
    const attempts: number[] = [];
    let bytes = 0;
    const push = new FfmpegPush({
      ffmpegPath: "/usr/bin/ffmpeg",
      inputUrl: camera.url,
      pushUrl: `tcp://127.0.0.1:${(sink.address() as AddressInfo).port}`,
      logger,
      onBytes: (n) => (bytes += n),
      restartDelayMs: (attempt) => {
        attempts.push(attempt);
        return 100;
      },
      inputTimeoutMs: 1500,
    });
    push.start();
    try {
      await until("the first pushed bytes", () => bytes > 0, 10_000);
      camera.frozen = true;
      // Without an input timeout ffmpeg would wait on the open connection for ever: no restart.
      await until("a restart after the camera went silent", () => attempts.length >= 1, 10_000);
      expect(attempts[0]).toBe(1);
      camera.frozen = false;
      const before = received;
      await until("media from the restarted ffmpeg", () => received > before + 10_000, 15_000);
    } finally {
      camera.frozen = false;
      await push.stop();
    }
  }, 40_000);
});
