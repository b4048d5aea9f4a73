import { spawnSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { connect, createServer, type Server, type Socket } from "node:net";
import { isH264Keyframe, joinAnnexB, PsMuxer, RtpPacketizer, splitAccessUnits, type Frame, type VideoFrame } from "@ivc/media";

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

function pictures(): Array<Pick<VideoFrame, "data" | "keyframe">> {
  return splitAccessUnits("H264", testH264()).map((nals) => ({ data: joinAnnexB(nals), keyframe: isH264Keyframe(nals) }));
}

export type Send = (packet: Buffer) => void;

export interface StreamOptions {
  fps?: number;
  /** Mux G.711A (A-law silence, 8 kHz mono, one 40 ms frame per picture) beside the video. */
  audio?: boolean;
  /** Start mid-GOP at this picture, as a device does when its first packets were lost. */
  firstPicture?: number;
}

export interface TestDevice {
  /** Packets sent so far. */
  readonly sent: number;
  stop(): void;
  /** Sends nothing until resume(), as a device does on a MANSRTSP PAUSE; its clock stops too. */
  pause(): void;
  resume(): void;
  /** Moves the device's clock by `ms` (negative: backward) and continues at the next keyframe, like a playback seek. */
  seek(ms: number): void;
}

const GOP = 25;
const TICKS_PER_PICTURE = 3600;

/** Streams the test picture (looped) through `send` until stopped, the timestamps continuing. */
export function streamPs(ssrc: number, send: Send, options: StreamOptions = {}): TestDevice {
  const list = pictures();
  const muxer = new PsMuxer({ video: "H264", ...(options.audio === true ? { audio: "G711A" as const } : {}) });
  const packetizer = new RtpPacketizer({ ssrc });
  let picture = options.firstPicture ?? 0;
  let ts = 90000;
  let sent = 0;
  const emit = (frame: Frame) => {
    for (const packet of packetizer.packetize(muxer.mux(frame), frame.dts)) {
      send(packet);
      sent++;
    }
  };
  const sendPicture = () => {
    const base = list[picture % list.length]!;
    emit({ kind: "video", codec: "H264", pts: ts, dts: ts, data: base.data, keyframe: base.keyframe });
    if (options.audio === true) emit({ kind: "audio", codec: "G711A", pts: ts, dts: ts, data: Buffer.alloc(320, 0xd5), keyframe: true });
    picture++;
    ts += TICKS_PER_PICTURE;
  };
  const interval = 1000 / (options.fps ?? 25);
  let timer: NodeJS.Timeout | undefined = setInterval(sendPicture, interval);
  return {
    get sent() {
      return sent;
    },
    stop: () => clearInterval(timer),
    pause: () => {
      clearInterval(timer);
      timer = undefined;
    },
    resume: () => {
      timer ??= setInterval(sendPicture, interval);
    },
    seek: (ms) => {
      ts = Math.max(0, ts + ms * 90);
      picture = Math.ceil(picture / GOP) * GOP;
    },
  };
}

export function udpSender(host: string, port: number): { send: Send; close(): void } {
  const socket = createSocket("udp4");
  return { send: (packet) => socket.send(packet, port, host), close: () => socket.close() };
}

/** RFC 4571: 2-byte length before each RTP packet. */
export function rfc4571(socket: Socket): Send {
  // The relay may close the connection while the device still sends (stream ended): a camera's
  // write then fails with EPIPE, which is no failure of the test.
  socket.on("error", () => socket.destroy());
  return (packet) => {
    if (!socket.writable) return;
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
