import { describe, expect, it } from "vitest";
import { buildInviteSdp } from "../src/gb-sdp-build.js";
import { parseGbMediaFormat, parseGbSdp } from "../src/gb-sdp-parse.js";
import type { GbSdp } from "../src/gb-sdp-parse.js";

function parsed(text: string): GbSdp {
  const result = parseGbSdp(text);
  if (!result.ok) throw new Error(result.reason);
  return result;
}

const CHANNEL = "34020000001320000001";

describe("buildInviteSdp", () => {
  it("builds a UDP live Play offer", () => {
    expect(buildInviteSdp({ kind: "Play", channelId: CHANNEL, mediaIp: "172.20.16.3", mediaPort: 6000, transport: "udp", ssrc: "0100000001" })).toBe(
      [
        "v=0",
        `o=${CHANNEL} 0 0 IN IP4 172.20.16.3`,
        "s=Play",
        "c=IN IP4 172.20.16.3",
        "t=0 0",
        "m=video 6000 RTP/AVP 96 97 98",
        "a=recvonly",
        "a=rtpmap:96 PS/90000",
        "a=rtpmap:98 H264/90000",
        "a=rtpmap:97 MPEG4/90000",
        "y=0100000001",
        "f=",
        "",
      ].join("\r\n"),
    );
  });

  it("builds a TCP-passive Playback offer with u= and the time range", () => {
    const sdp = buildInviteSdp({
      kind: "Playback",
      channelId: CHANNEL,
      mediaIp: "10.0.0.2",
      mediaPort: 30000,
      transport: "tcp-passive",
      ssrc: "1100000002",
      start: 1709222400,
      end: 1709226000,
    });
    expect(sdp).toContain(`s=Playback\r\nu=${CHANNEL}:0\r\nc=IN IP4 10.0.0.2\r\nt=1709222400 1709226000\r\nm=video 30000 TCP/RTP/AVP 96 97 98\r\n`);
    expect(sdp).toContain("a=rtpmap:97 MPEG4/90000\r\na=setup:passive\r\na=connection:new\r\ny=1100000002\r\nf=\r\n");
  });

  it("builds a TCP-active Download offer with downloadspeed and stream number", () => {
    const sdp = buildInviteSdp({
      kind: "Download",
      channelId: CHANNEL,
      mediaIp: "10.0.0.2",
      mediaPort: 30002,
      transport: "tcp-active",
      ssrc: "1100000003",
      start: 1,
      end: 2,
      downloadSpeed: 4,
      streamNumber: 0,
    });
    expect(sdp).toContain("a=setup:active\r\na=connection:new\r\na=downloadspeed:4\r\na=streamnumber:0\r\ny=1100000003\r\n");
  });

  it("round-trips through parseGbSdp", () => {
    const sdp = parsed(
      buildInviteSdp({ kind: "Download", channelId: CHANNEL, mediaIp: "10.0.0.2", mediaPort: 30002, transport: "tcp-active", ssrc: "1100000003", start: 10, end: 20, downloadSpeed: 2 }),
    );
    expect(sdp).toMatchObject({
      sessionName: "Download",
      uri: `${CHANNEL}:0`,
      startTime: 10,
      endTime: 20,
      ssrc: "1100000003",
      downloadSpeed: 2,
      media: { ip: "10.0.0.2", port: 30002, transport: "tcp", setup: "active", connection: "new", direction: "recvonly", payloads: [96, 97, 98] },
    });
    expect(sdp.format).toBeUndefined();
  });

  it("rejects programmer errors", () => {
    const base = { channelId: CHANNEL, mediaIp: "10.0.0.2", mediaPort: 1, transport: "udp", ssrc: "0100000001" } as const;
    expect(() => buildInviteSdp({ ...base, kind: "Playback" })).toThrow(RangeError);
    expect(() => buildInviteSdp({ ...base, kind: "Play", ssrc: "abc" })).toThrow(RangeError);
    expect(() => buildInviteSdp({ ...base, kind: "Play", mediaPort: 70000 })).toThrow(RangeError);
  });
});

describe("parseGbSdp", () => {
  it("parses the standard's Play example", () => {
    const sdp = parsed(
      "v=0\r\no=64010000002020000001 0 0 IN IP4 172.20.16.3\r\ns=Play\r\nc=IN IP4 172.20.16.3\r\nt=0 0\r\nm=video 6000 RTP/AVP 96 98 97\r\n" +
        "a=recvonly\r\na=rtpmap:96 PS/90000\r\na=rtpmap:98 H264/90000\r\na=rtpmap:97 MPEG4/90000\r\ny=0100000001\r\nf=\r\n",
    );
    expect(sdp).toMatchObject({
      sessionName: "Play",
      origin: { username: "64010000002020000001", ip: "172.20.16.3" },
      startTime: 0,
      endTime: 0,
      ssrc: "0100000001",
      media: {
        ip: "172.20.16.3",
        port: 6000,
        transport: "udp",
        payloads: [96, 98, 97],
        rtpmap: { 96: { encoding: "PS", clockRate: 90000 }, 97: { encoding: "MPEG4", clockRate: 90000 }, 98: { encoding: "H264", clockRate: 90000 } },
      },
    });
  });

  it("parses a Hikvision 200 OK answer", () => {
    const sdp = parsed(
      "v=0\r\no=34020000001320000001 0 0 IN IP4 192.168.1.64\r\ns=Play\r\nc=IN IP4 192.168.1.64\r\nt=0 0\r\n" +
        "m=video 15060 RTP/AVP 96\r\na=sendonly\r\na=rtpmap:96 PS/90000\r\na=filesize:0\r\ny=0100000001\r\nf=\r\n",
    );
    expect(sdp).toMatchObject({ ssrc: "0100000001", fileSize: 0, media: { ip: "192.168.1.64", port: 15060, direction: "sendonly", transport: "udp" } });
    expect(sdp.media.setup).toBeUndefined();
  });

  it("parses a Dahua TCP answer with LF line endings and a filled f= line", () => {
    const sdp = parsed(
      "v=0\no=34020000001320000001 2368 2368 IN IP4 192.168.1.108\ns=Play\nc=IN IP4 192.168.1.108\nt=0 0\n" +
        "m=video 20000 TCP/RTP/AVP 96\na=setup:active\na=connection:new\na=sendonly\na=rtpmap:96 PS/90000\n" +
        "a=username:34020000001320000001\na=password:12345678\ny=0200005549\nf=v/2/5/25/1/4096a///\n",
    );
    expect(sdp).toMatchObject({
      ssrc: "0200005549",
      format: { video: { codec: "2", resolution: "5", frameRate: "25", bitrateType: "1", bitrate: "4096" } },
      media: { port: 20000, transport: "tcp", setup: "active", connection: "new", direction: "sendonly" },
    });
    expect(sdp.format?.audio).toBeUndefined();
  });

  it("prefers media-level c= and picks the video media", () => {
    const sdp = parsed("v=0\r\ns=Play\r\nc=IN IP4 1.1.1.1\r\nm=audio 8000 RTP/AVP 8\r\nm=video 9000 RTP/AVP 96\r\nc=IN IP4 2.2.2.2\r\ny=0100000001\r\n");
    expect(sdp.media).toMatchObject({ type: "video", port: 9000, ip: "2.2.2.2" });
    expect(sdp.allMedia.map((m) => m.ip)).toEqual(["1.1.1.1", "2.2.2.2"]);
  });

  it("fails without throwing on SDP without media or with a broken m= line", () => {
    expect(parseGbSdp("v=0\r\ns=Play\r\n")).toEqual({ ok: false, reason: "no m= line" });
    expect(parseGbSdp("m=video abc RTP/AVP 96")).toMatchObject({ ok: false });
    expect(parseGbSdp("x".repeat(20000))).toMatchObject({ ok: false });
  });
});

describe("parseGbMediaFormat", () => {
  it("splits video and audio parts and drops empty fields", () => {
    expect(parseGbMediaFormat("v/2/4/25/1/4000a/1/8/1")).toEqual({
      video: { codec: "2", resolution: "4", frameRate: "25", bitrateType: "1", bitrate: "4000" },
      audio: { codec: "1", bitrate: "8", sampleRate: "1" },
    });
    expect(parseGbMediaFormat("v/////a///")).toEqual({});
    expect(parseGbMediaFormat("")).toBeUndefined();
  });
});
