import { createSocket } from "node:dgram";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mediaClose, mediaOpen, sipBye, sipInvite } from "@ivc/bus";
import { createLogger } from "@ivc/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HlsOutput } from "../src/hls-output.js";
import { openUdpIngest } from "../src/ingest.js";
import { ssrcToNumber } from "../src/ssrc.js";
import { streamPs, testH264, udpSender } from "./support/device.js";
import { portRange, startTestRelay, type TestRelay } from "./support/relay.js";
import { httpGet } from "./support/viewers.js";

// What a stream takes (sockets, ffmpeg, metric label sets, leases, SIP dialogs) is given back when it ends.

let t: TestRelay;
const scratch = mkdtempSync(join(tmpdir(), "ivc-lifecycle-"));
beforeAll(async () => {
  testH264();
  t = await startTestRelay({ RTP_PORTS: portRange(44300), PLAY_TIMEOUT: "4", RTP_SILENCE_TIMEOUT: "1", NO_VIEWER_CLOSE: "1" });
});
afterAll(async () => {
  await t?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Handles of `type` this process's event loop holds (Node's names: UDPWrap, ProcessWrap, Timeout…). */
const handles = (type: string) => process.getActiveResourcesInfo().filter((name) => name === type).length;
const scope = () => ({ clusterId: t.clusterId });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a stream's resources", () => {
  it("a leased UDP port another program holds leaves no socket behind", async () => {
    const holder = createSocket("udp4");
    await new Promise<void>((resolve) => holder.bind(0, "127.0.0.1", resolve));
    const before = handles("UDPWrap");
    await expect(openUdpIngest("127.0.0.1", holder.address().port, { packet: () => undefined, problem: () => undefined })).rejects.toThrow(/EADDRINUSE/);
    await expect.poll(() => handles("UDPWrap")).toBe(before);
    holder.close();
  });

  it("HLS stopped while it starts runs no ffmpeg and leaves no directory", async () => {
    const dir = join(scratch, "hls-stopped-early");
    const hls = new HlsOutput({ streamId: "early", dir, video: "H264", audio: undefined, frameRate: 25, logger: createLogger("test", "silent"), onCrash: () => undefined });
    const before = handles("ProcessWrap");
    const starting = hls.start();
    await hls.stop();
    await starting;
    expect(handles("ProcessWrap")).toBe(before);
    expect(existsSync(dir)).toBe(false);
  });

  it("a stream closed after playing leaves no session, bitrate series, viewer, lease or socket", async () => {
    const streamId = "34020000001310004301";
    const udpBefore = handles("UDPWrap");
    const reply = await t.bus.request(mediaOpen, scope(), { streamId, channelId: streamId, deviceId: "34020000001320000001", kind: "live", transport: "udp" });
    const udp = udpSender("127.0.0.1", reply.port);
    const device = streamPs(ssrcToNumber(reply.ssrc), udp.send);
    // Long enough for the 1 s metric flush to create the stream's bitrate series.
    const flv = await httpGet(`http://127.0.0.1:${t.relay.httpPort}/live/${streamId}.live.flv`, 10_000_000, 1500);
    expect(flv.status).toBe(200);
    expect(await t.metrics.getSingleMetricAsString("ivc_media_stream_bitrate_bps")).toContain(`stream="${streamId}"`);
    expect(await t.bus.request(mediaClose, scope(), { streamId })).toEqual({ closed: true });
    device.stop();
    udp.close();
    expect(t.relay.registry.get(streamId)).toBeUndefined();
    expect(await t.metrics.getSingleMetricAsString("ivc_media_stream_bitrate_bps")).not.toContain(streamId);
    expect(await t.metrics.getSingleMetricAsString("ivc_media_viewers")).not.toMatch(/ivc_media_viewers\{[^}]*\} [1-9]/);
    await expect.poll(() => t.redis.get(`ivc:media:ssrc:${reply.ssrc}`)).toBeNull();
    expect(await t.redis.get(`ivc:media:${t.clusterId}:port:${reply.port}`)).not.toBe(`test-${t.clusterId}`);
    await expect.poll(() => handles("UDPWrap")).toBe(udpBefore);
  });

  it("a device that answers the INVITE after its stream ended gets a BYE", async () => {
    const streamId = "34020000001310004302";
    const byes: string[] = [];
    const subs = [
      t.bus.reply(sipInvite, scope(), async () => {
        // Past RTP_SILENCE_TIMEOUT: the stream has ended for want of RTP by now.
        await sleep(1800);
        return { callId: "answered-late" };
      }),
      t.bus.reply(sipBye, scope(), (req) => {
        byes.push(req.callId);
        return { sent: true };
      }),
    ];
    try {
      const res = await httpGet(`http://127.0.0.1:${t.relay.httpPort}/live/${streamId}.live.flv?device=34020000001320000001`, 100_000, 4000);
      expect(res.status).toBe(504);
      expect(t.relay.registry.get(streamId)).toBeUndefined();
      await expect.poll(() => byes, { timeout: 4000, interval: 100 }).toEqual(["answered-late"]);
    } finally {
      subs.forEach((s) => s.unsubscribe());
    }
  });
});
