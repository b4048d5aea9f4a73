/**
 * Just enough XML reading for ONVIF/WS-Discovery answers: find elements by local name (any
 * namespace prefix) and read their attributes and text. Not a parser: it assumes well-formed
 * input and elements of one name that do not nest in themselves, which holds for the few ONVIF
 * responses we read. Malformed input yields empty results, never a throw.
 */
export interface XmlElement {
  attributes: Record<string, string>;
  /** Everything between the start and end tag ("" for an empty element). */
  inner: string;
}

const MAX_ELEMENTS = 1024;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function parseAttributes(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of raw.matchAll(/([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/g)) {
    const name = (m[1] ?? "").replace(/^[\w.-]+:/, "");
    out[name] = decodeXmlText(m[3] ?? m[4] ?? "");
  }
  return out;
}

/** Every element named `localName` (prefix ignored), in document order. */
export function xmlElements(xml: string, localName: string): XmlElement[] {
  const name = escapeRegExp(localName);
  const pattern = new RegExp(`<(?:[\\w.-]+:)?${name}(\\s[^>]*?)?(/?)>`, "g");
  const out: XmlElement[] = [];
  let m: RegExpExecArray | null;
  while ((m = pattern.exec(xml)) !== null && out.length < MAX_ELEMENTS) {
    const attributes = parseAttributes(m[1] ?? "");
    if (m[2] === "/") {
      out.push({ attributes, inner: "" });
      continue;
    }
    const close = new RegExp(`</(?:[\\w.-]+:)?${name}\\s*>`, "g");
    close.lastIndex = pattern.lastIndex;
    const end = close.exec(xml);
    if (!end) break;
    out.push({ attributes, inner: xml.slice(pattern.lastIndex, end.index) });
    pattern.lastIndex = close.lastIndex;
  }
  return out;
}

/** Text of the first `localName` element, trimmed and unescaped; undefined when absent. */
export function xmlText(xml: string, localName: string): string | undefined {
  const first = xmlElements(xml, localName)[0];
  if (!first) return undefined;
  // CDATA content is literal: only the markup outside it is stripped and unescaped.
  return first.inner
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map((part) => (part.startsWith("<![CDATA[") ? part.slice(9, -3) : decodeXmlText(part.replace(/<[^>]*>/g, ""))))
    .join("")
    .trim();
}

export function decodeXmlText(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (whole, ref: string) => {
    switch (ref) {
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "amp":
        return "&";
      case "quot":
        return '"';
      case "apos":
        return "'";
      default: {
        const code = ref.startsWith("#x") ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }
    }
  });
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}
