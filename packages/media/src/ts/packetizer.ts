/** 188-byte transport stream packets (ISO 13818-1 §2.4.3.2). */
export const TS_PACKET_SIZE = 188;
const HEADER = 4;

export interface TsPayloadOptions {
  /** Program clock reference in 90 kHz ticks, written in the first packet's adaptation field. */
  pcr?: number;
  /** random_access_indicator: the payload starts a keyframe. */
  randomAccess?: boolean;
}

/**
 * Splits one PES packet or PSI section into TS packets of one PID, keeping that PID's continuity
 * counter. Short final packets are padded with adaptation-field stuffing, as PES data may not be
 * padded with 0xFF (only PSI may).
 */
export class TsPacketizer {
  private readonly counters = new Map<number, number>();

  /** `psi`: the payload is a section; a pointer_field precedes it. */
  packetize(pid: number, payload: Buffer, options: TsPayloadOptions = {}, psi = false): Buffer {
    const data = psi ? Buffer.concat([Buffer.of(0), payload]) : payload;
    const adaptation = this.adaptationField(options);
    const firstRoom = TS_PACKET_SIZE - HEADER - (adaptation?.length ?? 0);
    const count = data.length <= firstRoom ? 1 : 1 + Math.ceil((data.length - firstRoom) / (TS_PACKET_SIZE - HEADER));
    // One allocation per payload: this runs for every frame of every recorded stream.
    const out = Buffer.allocUnsafe(count * TS_PACKET_SIZE);
    let offset = 0;
    for (let i = 0; i < count; i++) {
      const packet = out.subarray(i * TS_PACKET_SIZE, (i + 1) * TS_PACKET_SIZE);
      const field = i === 0 ? adaptation : undefined;
      const room = TS_PACKET_SIZE - HEADER - (field?.length ?? 0);
      const take = Math.min(room, data.length - offset);
      packet[0] = 0x47;
      packet[1] = (i === 0 ? 0x40 : 0) | ((pid >> 8) & 0x1f);
      packet[2] = pid & 0xff;
      const counter = this.next(pid);
      let cursor = HEADER;
      if (field !== undefined || (take < room && !psi)) {
        const stuffed = this.stuffed(field, room - take);
        packet[3] = 0x30 | counter;
        stuffed.copy(packet, cursor);
        cursor += stuffed.length;
      } else {
        packet[3] = 0x10 | counter;
      }
      data.copy(packet, cursor, offset, offset + take);
      offset += take;
      // PSI is padded after the section with 0xFF (allowed there, not in PES).
      if (cursor + take < TS_PACKET_SIZE) packet.fill(0xff, cursor + take);
    }
    return out;
  }

  private next(pid: number): number {
    const counter = this.counters.get(pid) ?? 0;
    this.counters.set(pid, (counter + 1) & 0x0f);
    return counter;
  }

  /** The adaptation field carrying the PCR / random access flag, or undefined when neither is wanted. */
  private adaptationField(options: TsPayloadOptions): Buffer | undefined {
    if (options.pcr === undefined && options.randomAccess !== true) return undefined;
    const field = Buffer.alloc(options.pcr === undefined ? 2 : 8);
    field[0] = field.length - 1;
    field[1] = (options.randomAccess === true ? 0x40 : 0) | (options.pcr !== undefined ? 0x10 : 0);
    if (options.pcr !== undefined) writePcr(field, 2, options.pcr);
    return field;
  }

  /**
   * The adaptation field grown by `extra` stuffing bytes. PSI packets are padded after the
   * section instead (0xFF after a section is allowed), so they never come here without a field.
   */
  private stuffed(field: Buffer | undefined, extra: number): Buffer {
    if (field === undefined) {
      if (extra === 1) return Buffer.of(0);
      const out = Buffer.alloc(extra, 0xff);
      out[0] = extra - 1;
      out[1] = 0x00;
      return out;
    }
    if (extra === 0) return field;
    const out = Buffer.alloc(field.length + extra, 0xff);
    field.copy(out);
    out[0] = out.length - 1;
    return out;
  }
}

/** PCR base (33 bits, 90 kHz) with a zero 27 MHz extension. */
function writePcr(out: Buffer, offset: number, ticks: number): void {
  const base = ((ticks % 2 ** 33) + 2 ** 33) % 2 ** 33;
  out.writeUInt32BE(Math.floor(base / 2), offset);
  out[offset + 4] = ((base % 2) << 7) | 0x7e;
  out[offset + 5] = 0x00;
}
