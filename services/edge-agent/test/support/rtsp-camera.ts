import { spawn, type ChildProcess } from "node:child_process";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { readFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { join } from "node:path";

/**
 * An RTSP camera stand-in on loopback. ffmpeg 5.1 cannot serve RTSP to a puller (its
 * `-rtsp_flags listen` only accepts a publisher's ANNOUNCE/RECORD), so: ffmpeg encodes a test
 * pattern to H.264 and sends RTP to a local UDP port, and this server answers OPTIONS, DESCRIBE
 * (the SDP ffmpeg wrote), SETUP (TCP interleaved only) and PLAY, then relays every RTP packet to
 * the player as `$`-framed interleaved data (RFC 2326 §10.12).
 */
export class RtspCamera {
  private server: Server | undefined;
  private rtpIn: UdpSocket | undefined;
  private encoder: ChildProcess | undefined;
  private readonly players = new Set<Socket>();
  private sdp = "";
  port = 0;
  optionsSeen = 0;
  /** A hung camera: sessions stay open and requests are answered, but no media is sent. */
  frozen = false;

  constructor(private readonly workDir: string) {}

  get url(): string {
    return `rtsp://127.0.0.1:${this.port}/live`;
  }

  async start(): Promise<void> {
    const rtpIn = createSocket("udp4");
    this.rtpIn = rtpIn;
    await new Promise<void>((resolve) => rtpIn.bind(0, "127.0.0.1", resolve));
    rtpIn.on("message", (packet) => {
      const frame = Buffer.alloc(4);
      frame[0] = 0x24;
      frame[1] = 0;
      frame.writeUInt16BE(packet.length, 2);
      if (this.frozen) return;
      for (const player of this.players) player.write(Buffer.concat([frame, packet]));
    });
    const sdpFile = join(this.workDir, "camera.sdp");
    this.encoder = spawn(
      "/usr/bin/ffmpeg",
      ["-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
        "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p",
        "-f", "rtp", "-sdp_file", sdpFile, `rtp://127.0.0.1:${rtpIn.address().port}?pkt_size=1200`],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        this.sdp = readFileSync(sdpFile, "utf8");
        if (this.sdp.includes("m=video")) break;
      } catch {
        // not written yet
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    this.sdp = this.sdp.replace(/^m=video \d+/m, "m=video 0").replace(/^(m=video.*)$/m, "$1\r\na=control:trackID=0").replace(/\r?\n/g, "\r\n");
    this.server = createServer((socket) => this.session(socket));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  private session(socket: Socket): void {
    let pending = "";
    socket.on("error", () => undefined);
    socket.on("close", () => this.players.delete(socket));
    socket.on("data", (chunk) => {
      pending += chunk.toString("latin1");
      // The player's RTCP receiver reports arrive as $-frames between requests: drop them.
      while (pending.startsWith("$") && pending.length >= 4 && pending.length >= 4 + ((pending.charCodeAt(2) << 8) | pending.charCodeAt(3))) {
        pending = pending.slice(4 + ((pending.charCodeAt(2) << 8) | pending.charCodeAt(3)));
      }
      let end: number;
      while (!pending.startsWith("$") && (end = pending.indexOf("\r\n\r\n")) >= 0) {
        const request = pending.slice(0, end);
        pending = pending.slice(end + 4);
        const [method = "", uri = ""] = request.split(" ");
        const cseq = /^CSeq:\s*(\d+)/im.exec(request)?.[1] ?? "0";
        const reply = (headers: string[], body = ""): void => {
          socket.write([`RTSP/1.0 200 OK`, `CSeq: ${cseq}`, ...headers, `Content-Length: ${Buffer.byteLength(body)}`, "", body].join("\r\n"));
        };
        if (method === "OPTIONS") {
          this.optionsSeen += 1;
          reply(["Public: OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"]);
        } else if (method === "DESCRIBE") {
          reply([`Content-Base: ${uri.replace(/\/?$/, "/")}`, "Content-Type: application/sdp"], this.sdp);
        } else if (method === "SETUP") {
          reply(["Transport: RTP/AVP/TCP;unicast;interleaved=0-1", "Session: 4F2A6C01;timeout=60"]);
        } else if (method === "PLAY") {
          reply(["Session: 4F2A6C01", "Range: npt=0.000-"]);
          this.players.add(socket);
        } else {
          reply(["Session: 4F2A6C01"]);
          this.players.delete(socket);
        }
      }
    });
  }

  /** The camera drops off the LAN mid-pull: open sessions are cut and new connections refused. */
  async goAway(): Promise<void> {
    const closed = new Promise((resolve) => this.server?.close(resolve));
    for (const p of this.players) p.destroy();
    await closed;
  }

  /** Back on the LAN at the same port (the encoder kept running). */
  async comeBack(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.listen(this.port, "127.0.0.1", resolve));
  }

  async stop(): Promise<void> {
    for (const p of this.players) p.destroy();
    this.encoder?.kill("SIGKILL");
    this.rtpIn?.close();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
