import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ffprobe } from "./support/ffprobe.js";
import { startLiveStack, type LiveStack } from "./support/live-stack.js";

// Issue 5, the on-demand live path in one process: viewer → relay → sip.invite → sip-server →
// INVITE → virtual device → PS over RTP → relay → HTTP-FLV; then no viewer → BYE.

const NO_VIEWER_SECONDS = 2;

let stack: LiveStack;
let relay: LiveStack["relay"];
let device: LiveStack["device"];
let responder: LiveStack["responder"];

beforeAll(async () => {
  stack = await startLiveStack({ name: "e2e-live", noViewerSeconds: NO_VIEWER_SECONDS, responder: (domain) => ({ answerSsrc: `0${domain.slice(3, 8)}9999` }) });
  ({ relay, device, responder } = stack);
}, 60_000);

afterAll(() => stack?.close(), 30_000);


describe("live view on demand (issue 5)", () => {
  it("plays a registered device's channel as H.264 640x480 over HTTP-FLV, and BYEs it after the last viewer left", async () => {
    const channelId = device.channels[0]!.id;
    const url = `http://127.0.0.1:${relay.httpPort}/live/${channelId}.live.flv?device=${device.deviceId}`;
    const { stdout } = await ffprobe(["-rw_timeout", "20000000", "-show_entries", "stream=codec_type,codec_name,width,height", "-of", "json", url]);
    const probed = JSON.parse(stdout) as { streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }> };
    const videoStream = probed.streams.find((s) => s.codec_type === "video");
    expect(videoStream).toMatchObject({ codec_name: "h264", width: 640, height: 480 });

    const invite = device.journal.find((e) => e.method === "INVITE");
    expect(invite?.request.body.toString()).toContain("s=Play");
    const byeAt = Date.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no BYE reached the device")), NO_VIEWER_SECONDS * 1000 + 8000);
      const check = setInterval(() => {
        if (device.journal.some((e) => e.method === "BYE")) {
          clearTimeout(timer);
          clearInterval(check);
          resolve();
        }
      }, 50);
    });
    expect(Date.now() - byeAt).toBeLessThan(NO_VIEWER_SECONDS * 1000 + 8000);
    expect(responder.active).toHaveLength(0);
  }, 60_000);
});
