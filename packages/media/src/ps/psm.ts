import { crc32Mpeg } from "./crc32.js";

/** Program stream map (ISO 13818-1 §2.5.4): which stream_type each elementary stream_id carries. */
export interface PsmEntry {
  streamId: number;
  streamType: number;
}

/**
 * Parses a complete PSM packet. Descriptors (program_stream_info, and each stream's
 * elementary_stream_info, e.g. Hikvision's private 0x40/0x41/0x42 ones) are skipped by length.
 * The CRC is not checked: several camera firmwares write a wrong one, and a misread map is caught
 * downstream by codec parsing anyway. Nor is a wrong elementary_stream_map_length trusted: when it
 * does not fit, the map runs up to the CRC, as program_stream_map_length says.
 */
export function parsePsm(packet: Uint8Array): PsmEntry[] | undefined {
  if (packet.length < 16) return undefined;
  const end = Math.min(packet.length, 6 + ((packet[4]! << 8) | packet[5]!));
  const infoLength = (packet[8]! << 8) | packet[9]!;
  let offset = 10 + infoLength;
  const crcStart = end - 4;
  if (offset + 2 > crcStart) return undefined;
  const statedEnd = offset + 2 + ((packet[offset]! << 8) | packet[offset + 1]!);
  const mapEnd = statedEnd > offset + 2 && statedEnd <= crcStart ? statedEnd : crcStart;
  offset += 2;
  const entries: PsmEntry[] = [];
  while (offset + 4 <= mapEnd) {
    const next = offset + 4 + ((packet[offset + 2]! << 8) | packet[offset + 3]!);
    if (next > mapEnd) break;
    entries.push({ streamType: packet[offset]!, streamId: packet[offset + 1]! });
    offset = next;
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
