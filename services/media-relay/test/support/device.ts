import { spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { connect, createServer, type Server, type Socket } from "node:net";
import { isH264Keyframe, joinAnnexB, PsMuxer, RtpPacketizer, splitAccessUnits, type VideoFrame } from "@ivc/media";

/** A GB28181 camera for tests: an ffmpeg-encoded H.264 picture as PS over RTP, paced at 25 fps. */

let cachedEs: Buffer | undefined;

export function testH264(): Buffer {
  cachedEs ??= spawnSync(
    "ffmpeg",
    ["-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "3", "-c:v", "libx264", "-g", "25", "-bf", "0", "-pix_fmt", "yuv420p", "-f", "h264", "pipe:1"],
    { maxBuffer: 64 * 1024 * 1024 },
  ).stdout;
  return cachedEs;
}

function frames(): VideoFrame[] {
  return splitAccessUnits("H264", testH264()).map((nals, i) => ({
    kind: "video", codec: "H264", pts: 90000 + i * 3600, dts: 90000 + i * 3600, data: joinAnnexB(nals), keyframe: isH264Keyframe(nals),
  }));
}

export type Send = (packet: Buffer) => void;

export interface TestDevice {
  /** Packets sent so far. */
  readonly sent: number;
  stop(): void;
}

/** Streams the test picture (looped, timestamps continuing) through `send` until stopped. */
export function streamPs(ssrc: number, send: Send, fps = 25): TestDevice {
  const list = frames();
  const muxer = new PsMuxer({ video: "H264" });
  const packetizer = new RtpPacketizer({ ssrc });
  let i = 0;
  let sent = 0;
  const timer = setInterval(() => {
    const base = list[i % list.length]!;
    const ts = 90000 + i * 3600;
    const frame = { ...base, pts: ts, dts: ts };
    for (const packet of packetizer.packetize(muxer.mux(frame), ts)) {
      send(packet);
      sent++;
    }
    i++;
  }, 1000 / fps);
  return {
    get sent() {
      return sent;
    },
    stop: () => clearInterval(timer),
  };
}

export function udpSender(host: string, port: number): { send: Send; close(): void } {
  const socket = createSocket("udp4");
  return { send: (packet) => socket.send(packet, port, host), close: () => socket.close() };
}

/** RFC 4571: 2-byte length before each RTP packet. */
export function rfc4571(socket: Socket): Send {
  return (packet) => {
    const length = Buffer.allocUnsafe(2);
    length.writeUInt16BE(packet.length);
    socket.write(Buffer.concat([length, packet]));
  };
}

export function tcpClient(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/** TCP active from the relay's view: the device listens and the relay connects. */
export function tcpListener(): Promise<{ server: Server; port: number; connection: Promise<Socket> }> {
  return new Promise((resolve) => {
    let accept!: (socket: Socket) => void;
    const connection = new Promise<Socket>((r) => (accept = r));
    const server = createServer((socket) => accept(socket));
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve({ server, port: typeof address === "object" && address ? address.port : 0, connection });
    });
  });
}
