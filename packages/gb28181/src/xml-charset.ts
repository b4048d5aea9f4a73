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

function isStrictUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function hasNonAscii(bytes: Uint8Array): boolean {
  return bytes.some((byte) => byte >= 0x80);
}

/**
 * Decode a MANSCDP body. GB/T 28181 §6.1 mandates GB2312 but devices in the field
 * also send UTF-8, lie in the declaration, or omit it, so the declaration is only
 * trusted when the bytes agree with it.
 */
export function decodeXmlBody(bytes: Uint8Array): DecodedXmlBody {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: lenientUtf8.decode(bytes.subarray(3)), charset: "UTF-8" };
  }
  // The declaration is ASCII in every charset we accept, so latin1 is safe to sniff it.
  const head = Buffer.from(bytes.subarray(0, 256)).toString("latin1");
  const label = DECLARATION.exec(head)?.[1];
  const declared = label === undefined ? undefined : charsetFromLabel(label);
  const validUtf8 = isStrictUtf8(bytes);

  if (declared === "UTF-8" && validUtf8) return { text: lenientUtf8.decode(bytes), charset: "UTF-8" };
  if (declared !== undefined && declared !== "UTF-8") {
    if (validUtf8 && hasNonAscii(bytes)) return { text: lenientUtf8.decode(bytes), charset: "UTF-8" };
    return { text: gb18030.decode(bytes), charset: declared };
  }
  if (validUtf8) return { text: lenientUtf8.decode(bytes), charset: "UTF-8" };
  return { text: gb18030.decode(bytes), charset: "GB18030" };
}

/** Encode XML text in `charset`, replacing any existing declaration with a matching one. */
export function encodeXmlBody(text: string, charset: XmlCharset): Buffer {
  const body = text.replace(/^\uFEFF/, "").replace(ANY_DECLARATION, "");
  const document = `<?xml version="1.0" encoding="${charset}"?>\r\n${body}`;
  if (charset === "UTF-8") return Buffer.from(document, "utf8");
  return encodeGb(document, { fourByte: charset === "GB18030" });
}
