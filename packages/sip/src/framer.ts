import { findHeaderSectionEnd } from "./header-section.js";

export interface SipStreamFramerLimits {
  /** Largest header section accepted (start line to the empty line). */
  maxHeaderBytes?: number;
  /** Largest Content-Length accepted. */
  maxBodyBytes?: number;
}

/** One framed message (exact bytes, ready for parseSipMessage) or an unrecoverable stream error. */
export type FramedItem = { kind: "message"; bytes: Buffer } | { kind: "error"; reason: string };

const CONTENT_LENGTH_LINE = /^(?:content-length|l)[ \t]*:[ \t]*(.*?)[ \t]*$/i;

/** Content-Length of a header section; 0 when absent (RFC 3261 §18.3: mandatory on streams). */
function readContentLength(head: string): number | string {
  const values = head
    .split(/\r?\n/)
    .map((line) => CONTENT_LENGTH_LINE.exec(line)?.[1])
    .filter((value): value is string => value !== undefined);
  if (values.length === 0) return 0;
  if (values.length > 1) return "multiple Content-Length headers";
  const [value = ""] = values;
  return /^\d{1,10}$/.test(value) ? Number(value) : `malformed Content-Length ${JSON.stringify(value.slice(0, 20))}`;
}

/**
 * Cuts a TCP byte stream into SIP messages by Content-Length (RFC 3261 §18.3).
 * CRLFs between messages (RFC 5626 keepalives) are skipped. After an error the
 * stream cannot be resynchronised: the buffer is dropped and the caller should
 * close the connection.
 */
export class SipStreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly maxHeaderBytes: number;
  private readonly maxBodyBytes: number;
  private failed = false;

  constructor(limits: SipStreamFramerLimits = {}) {
    this.maxHeaderBytes = limits.maxHeaderBytes ?? 64 * 1024;
    this.maxBodyBytes = limits.maxBodyBytes ?? 1024 * 1024;
  }

  /** Bytes held waiting for the rest of a message. */
  get bufferedBytes(): number {
    return this.buffer.length;
  }

  push(chunk: Buffer): FramedItem[] {
    if (this.failed) return [];
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const items: FramedItem[] = [];
    for (;;) {
      let start = 0;
      while (this.buffer[start] === 0x0d || this.buffer[start] === 0x0a) start++;
      if (start > 0) this.buffer = this.buffer.subarray(start);
      if (this.buffer.length === 0) break;

      const bounds = findHeaderSectionEnd(this.buffer);
      if (!bounds) {
        if (this.buffer.length > this.maxHeaderBytes) items.push(this.fail(`header section exceeds ${this.maxHeaderBytes} bytes`));
        break;
      }
      if (bounds.headEnd > this.maxHeaderBytes) {
        items.push(this.fail(`header section exceeds ${this.maxHeaderBytes} bytes`));
        break;
      }
      const length = readContentLength(this.buffer.toString("latin1", 0, bounds.headEnd));
      if (typeof length === "string") {
        items.push(this.fail(length));
        break;
      }
      if (length > this.maxBodyBytes) {
        items.push(this.fail(`Content-Length ${length} exceeds ${this.maxBodyBytes} bytes`));
        break;
      }
      const end = bounds.bodyStart + length;
      if (this.buffer.length < end) break;
      // Copy so a retained message does not pin the whole read buffer.
      items.push({ kind: "message", bytes: Buffer.from(this.buffer.subarray(0, end)) });
      this.buffer = this.buffer.subarray(end);
    }
    return items;
  }

  private fail(reason: string): FramedItem {
    this.failed = true;
    this.buffer = Buffer.alloc(0);
    return { kind: "error", reason };
  }
}
