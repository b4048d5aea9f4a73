import { crc32Mpeg } from "../ps/crc32.js";

/** PIDs of the one program a recording segment carries. */
export const TsPid = { Pat: 0x0000, Pmt: 0x1000, Video: 0x0100, Audio: 0x0101 } as const;

/** ISO 13818-1 Table 2-34 stream_type values for the codecs a segment carries. */
export const TsStreamType = { H264: 0x1b, H265: 0x24, AAC: 0x0f } as const;

export interface PmtStream {
  streamType: number;
  pid: number;
}

/** A PSI section (pointer field excluded) with section_length and CRC filled in. */
function section(tableId: number, tableIdExtension: number, body: readonly number[]): Buffer {
  const length = 5 + body.length + 4;
  const head = [tableId, 0xb0 | ((length >> 8) & 0x0f), length & 0xff, tableIdExtension >> 8, tableIdExtension & 0xff, 0xc1, 0x00, 0x00];
  const out = Buffer.alloc(head.length + body.length + 4);
  out.set(head, 0);
  out.set(body, head.length);
  out.writeUInt32BE(crc32Mpeg(out.subarray(0, head.length + body.length)), head.length + body.length);
  return out;
}

/** Program association table (§2.4.4.3): program 1 at `pmtPid`. */
export function buildPat(pmtPid: number): Buffer {
  return section(0x00, 1, [0x00, 0x01, 0xe0 | (pmtPid >> 8), pmtPid & 0xff]);
}

/** Program map table (§2.4.4.8) of program 1; the PCR rides on `pcrPid`. */
export function buildPmt(pcrPid: number, streams: readonly PmtStream[]): Buffer {
  const body = [0xe0 | (pcrPid >> 8), pcrPid & 0xff, 0xf0, 0x00];
  for (const s of streams) body.push(s.streamType, 0xe0 | (s.pid >> 8), s.pid & 0xff, 0xf0, 0x00);
  return section(0x02, 1, body);
}
