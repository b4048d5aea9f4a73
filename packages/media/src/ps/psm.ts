import { crc32Mpeg } from "./crc32.js";

/** Program stream map (ISO 13818-1 §2.5.4): which stream_type each elementary stream_id carries. */
export interface PsmEntry {
  streamId: number;
  streamType: number;
}

/**
 * Parses a complete PSM packet. The CRC is not checked: several camera firmwares write a wrong
 * one, and a misread map is caught downstream by codec parsing anyway.
 */
export function parsePsm(packet: Uint8Array): PsmEntry[] | undefined {
  if (packet.length < 16) return undefined;
  const end = Math.min(packet.length, 6 + ((packet[4]! << 8) | packet[5]!));
  const infoLength = (packet[8]! << 8) | packet[9]!;
  let offset = 10 + infoLength;
  if (offset + 2 > end) return undefined;
  const mapEnd = offset + 2 + ((packet[offset]! << 8) | packet[offset + 1]!);
  if (mapEnd > end) return undefined;
  offset += 2;
  const entries: PsmEntry[] = [];
  while (offset + 4 <= mapEnd) {
    entries.push({ streamType: packet[offset]!, streamId: packet[offset + 1]! });
    offset += 4 + ((packet[offset + 2]! << 8) | packet[offset + 3]!);
  }
  return entries;
}

export function buildPsm(entries: readonly PsmEntry[], version = 0): Buffer {
  const mapLength = entries.length * 4;
  const out = Buffer.alloc(16 + mapLength);
  out.writeUInt32BE(0x000001bc, 0);
  out.writeUInt16BE(10 + mapLength, 4);
  out[6] = 0x80 | (version & 0x1f); // current_next_indicator = 1
  out[7] = 0xff; // reserved + marker
  out.writeUInt16BE(0, 8); // program_stream_info_length
  out.writeUInt16BE(mapLength, 10);
  entries.forEach((entry, i) => {
    out[12 + i * 4] = entry.streamType;
    out[13 + i * 4] = entry.streamId;
  });
  out.writeUInt32BE(crc32Mpeg(out.subarray(0, 12 + mapLength)), 12 + mapLength);
  return out;
}
