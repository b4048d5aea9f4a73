import { encodeGb } from "./gb18030-encoder.js";

export type XmlCharset = "GB18030" | "GB2312" | "GBK" | "UTF-8";

export interface DecodedXmlBody {
  readonly text: string;
  /** The charset the peer actually used; reply in the same one. */
  readonly charset: XmlCharset;
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const lenientUtf8 = new TextDecoder("utf-8");
// Every GB2312/GBK byte sequence is also valid GB18030, and GB18030 maps all of Unicode.
const gb18030 = new TextDecoder("gb18030");
const strictGb18030 = new TextDecoder("gb18030", { fatal: true });

const DECLARATION = /^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([^"']*)["'][^>]*\?>/i;
const ANY_DECLARATION = /^\s*<\?xml\b[^>]*\?>[ \t]*(\r?\n)?/i;

function charsetFromLabel(label: string): XmlCharset | undefined {
  switch (label.trim().toUpperCase().replace(/_/g, "-")) {
    case "UTF-8":
    case "UTF8":
      return "UTF-8";
    case "GB2312":
    case "GB-2312":
    case "EUC-CN":
      return "GB2312";
    case "GBK":
    case "CP936":
      return "GBK";
    case "GB18030":
      return "GB18030";
    default:
      return undefined;
  }
}

function strictDecode(decoder: { decode(bytes: Uint8Array): string }, bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

function hasNonAscii(bytes: Uint8Array): boolean {
  return bytes.some((byte) => byte >= 0x80);
}

/** Every non-ASCII byte pairs up in A1–FE, the only shape GB2312 text has (GB 2312-80 EUC form). */
function isGb2312Shaped(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) continue;
    const trail = bytes[i + 1] ?? 0;
    if (lead < 0xa1 || lead > 0xfe || trail < 0xa1 || trail > 0xfe) return false;
    i++;
  }
  return true;
}

/**
 * Characters a device name, address or description plausibly holds: ASCII, CJK
 * ideographs and the punctuation, fullwidth forms and symbols (℃, Ⅱ, ①) used with them.
 * GB2312 bytes misread as UTF-8 land in Latin, Greek, Cyrillic, Armenian… (学校 → ѧУ)
 * or beyond the BMP, never only here.
 */
const COMMON_TEXT = /^[\t\n\r\u0020-\u007e\u2010-\u206f\u2100-\u218f\u2460-\u24ff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]*$/u;

/**
 * Decode a MANSCDP body. GB/T 28181 §6.1 mandates GB2312 but devices in the field
 * also send UTF-8, lie in the declaration, or omit it. Short GB2312 names are often
 * valid UTF-8 too, so validity alone does not decide: the declaration wins unless
 * its bytes cannot be GB2312 and read as plausible UTF-8; without one, UTF-8 wins
 * unless its reading is implausible and the bytes are valid GB18030.
 */
export function decodeXmlBody(bytes: Uint8Array): DecodedXmlBody {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: lenientUtf8.decode(bytes.subarray(3)), charset: "UTF-8" };
  }
  // The declaration is ASCII in every charset we accept, so latin1 is safe to sniff it.
  const head = Buffer.from(bytes.subarray(0, 256)).toString("latin1");
  const label = DECLARATION.exec(head)?.[1];
  const declared = label === undefined ? undefined : charsetFromLabel(label);
  const utf8 = strictDecode(strictUtf8, bytes);
  const gb: DecodedXmlBody = { text: gb18030.decode(bytes), charset: declared === undefined || declared === "UTF-8" ? "GB18030" : declared };

  if (utf8 === undefined) return gb;
  if (declared === "UTF-8" || !hasNonAscii(bytes)) return { text: utf8, charset: declared ?? "UTF-8" };
  const plausibleUtf8 = COMMON_TEXT.test(utf8);
  if (declared !== undefined) return plausibleUtf8 && !isGb2312Shaped(bytes) ? { text: utf8, charset: "UTF-8" } : gb;
  return plausibleUtf8 || strictDecode(strictGb18030, bytes) === undefined ? { text: utf8, charset: "UTF-8" } : gb;
}

/** Encode XML text in `charset`, replacing any existing declaration with a matching one. */
export function encodeXmlBody(text: string, charset: XmlCharset): Buffer {
  const body = text.replace(/^\uFEFF/, "").replace(ANY_DECLARATION, "");
  const document = `<?xml version="1.0" encoding="${charset}"?>\r\n${body}`;
  if (charset === "UTF-8") return Buffer.from(document, "utf8");
  return encodeGb(document, { fourByte: charset === "GB18030" });
}
