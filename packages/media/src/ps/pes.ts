import { readPesTimestamp, writePesTimestamp } from "./timestamp.js";

/** A PES packet (ISO 13818-1 §2.4.3.6) as carried in a program stream. */
export interface PesPacket {
  streamId: number;
  pts?: number;
  dts?: number;
  payload: Buffer;
}

/** Parses a complete PES packet (start code through PES_packet_length). MPEG-2 syntax, with the MPEG-1 header as fallback. */
export function parsePes(packet: Buffer): PesPacket | undefined {
  if (packet.length < 9) return undefined;
  const streamId = packet[3]!;
  if ((packet[6]! & 0xc0) === 0x80) {
    const flags = packet[7]! >> 6;
    const headerEnd = 9 + packet[8]!;
    if (headerEnd > packet.length || flags === 1) return undefined;
    const pes: PesPacket = { streamId, payload: packet.subarray(headerEnd) };
    if (flags & 2) {
      if (headerEnd < 14) return undefined;
      pes.pts = readPesTimestamp(packet, 9);
      pes.dts = pes.pts;
    }
    if (flags === 3) {
      if (headerEnd < 19) return undefined;
      pes.dts = readPesTimestamp(packet, 14);
    }
    return pes;
  }
  return parseMpeg1Pes(packet, streamId);
}

/** ISO 11172-1 §2.4.3.3: stuffing, optional STD buffer fields, then PTS / PTS+DTS / 0x0F. */
function parseMpeg1Pes(packet: Buffer, streamId: number): PesPacket | undefined {
  let i = 6;
  while (i < packet.length && packet[i] === 0xff && i < 6 + 16) i++;
  if (i < packet.length && packet[i]! >> 6 === 0b01) i += 2;
  if (i >= packet.length) return undefined;
  const prefix = packet[i]! >> 4;
  if (prefix === 0b0010 && i + 5 <= packet.length) {
    const pts = readPesTimestamp(packet, i);
    return { streamId, pts, dts: pts, payload: packet.subarray(i + 5) };
  }
  if (prefix === 0b0011 && i + 10 <= packet.length) {
    return { streamId, pts: readPesTimestamp(packet, i), dts: readPesTimestamp(packet, i + 5), payload: packet.subarray(i + 10) };
  }
  return packet[i] === 0x0f ? { streamId, payload: packet.subarray(i + 1) } : undefined;
}

/** Largest payload of one PES carrying PTS and DTS: PES_packet_length is 16 bits (3 flag bytes + 10 timestamp bytes precede the payload). */
export const MAX_PES_PAYLOAD = 0xffff - 13;

/** Builds one MPEG-2 PES packet; DTS is written only when it differs from PTS. */
export function buildPes(streamId: number, payload: Uint8Array, pts?: number, dts?: number): Buffer {
  const withDts = pts !== undefined && dts !== undefined && dts !== pts;
  const headerDataLength = pts === undefined ? 0 : withDts ? 10 : 5;
  const packetLength = 3 + headerDataLength + payload.length;
  if (packetLength > 0xffff) throw new RangeError("PES payload too large");
  const out = Buffer.allocUnsafe(6 + packetLength);
  out.writeUInt32BE(0x00000100 | streamId, 0);
  out.writeUInt16BE(packetLength, 4);
  out[6] = 0x80; // '10', not scrambled, no priority/alignment/copyright flags
  out[7] = pts === undefined ? 0 : withDts ? 0xc0 : 0x80;
  out[8] = headerDataLength;
  if (pts !== undefined) writePesTimestamp(out, 9, withDts ? 0b0011 : 0b0010, pts);
  if (withDts) writePesTimestamp(out, 14, 0b0001, dts);
  out.set(payload, 9 + headerDataLength);
  return out;
}
