import { randomBytes } from "node:crypto";

/**
 * Server side of the RTMP handshake (Adobe RTMP spec 1.0 §5.2). We answer with the "simple"
 * handshake: S1 carries zero in its version field, which tells ffmpeg, OBS and librtmp not to
 * look for a digest, and S2 echoes C1. A C1 from a Flash-style client (non-zero version field,
 * HMAC digest inside) is accepted the same way: its digest is not checked, as node-media-server
 * and nginx-rtmp do for publishers.
 */
export const RTMP_VERSION = 3;
export const HANDSHAKE_SIZE = 1536;

export type HandshakeStep =
  /** `reply` is S0+S1+S2 to send; once `done`, `rest` holds what followed C2: the first chunks. */
  | { ok: true; done: boolean; reply?: Buffer; rest: Buffer }
  | { ok: false; reason: string };

const NOTHING: Buffer = Buffer.alloc(0);

export class RtmpServerHandshake {
  private pending: Buffer = NOTHING;
  private state: "c0c1" | "c2" | "done" | "failed" = "c0c1";

  constructor(private readonly now: () => number = Date.now) {}

  push(data: Buffer): HandshakeStep {
    if (this.state === "done" || this.state === "failed") return { ok: false, reason: "handshake already finished" };
    // Never holds more than C0+C1 or C2 plus what one read adds.
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    if (this.state === "c0c1") {
      if (this.pending.length < 1 + HANDSHAKE_SIZE) return { ok: true, done: false, rest: NOTHING };
      const version = this.pending[0]!;
      if (version !== RTMP_VERSION) {
        this.state = "failed";
        // 6 = RTMPE (encrypted), which we do not speak.
        return { ok: false, reason: `unsupported RTMP version ${version}` };
      }
      const c1 = this.pending.subarray(1, 1 + HANDSHAKE_SIZE);
      const reply = Buffer.concat([Buffer.from([RTMP_VERSION]), this.s1(), s2For(c1, this.now())]);
      this.pending = this.pending.subarray(1 + HANDSHAKE_SIZE);
      this.state = "c2";
      return { ...this.takeC2(), reply };
    }
    return this.takeC2();
  }

  private takeC2(): HandshakeStep & { ok: true } {
    if (this.pending.length < HANDSHAKE_SIZE) return { ok: true, done: false, rest: NOTHING };
    // C2 should echo S1; clients differ, and nothing is gained by refusing a sloppy echo.
    const rest = Buffer.from(this.pending.subarray(HANDSHAKE_SIZE));
    this.pending = NOTHING;
    this.state = "done";
    return { ok: true, done: true, rest };
  }

  private s1(): Buffer {
    const s1 = Buffer.alloc(HANDSHAKE_SIZE);
    s1.writeUInt32BE(this.now() % 2 ** 32 >>> 0, 0);
    randomBytes(HANDSHAKE_SIZE - 8).copy(s1, 8);
    return s1;
  }
}

/** S2 echoes C1's time and random bytes, with the time C1 was read (§5.2.4). */
function s2For(c1: Buffer, now: number): Buffer {
  const s2 = Buffer.from(c1);
  s2.writeUInt32BE(now % 2 ** 32 >>> 0, 4);
  return s2;
}
