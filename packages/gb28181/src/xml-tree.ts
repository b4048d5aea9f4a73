/**
 * A deliberately small, forgiving XML reader for MANSCDP bodies (GB/T 28181 Appendix A).
 * Device firmware emits mixed-case tags, stray "&", NUL padding and junk after the
 * root element; a strict parser would reject messages every other platform accepts.
 */

export interface XmlElement {
  readonly name: string;
  /** Attribute names lower-cased. */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: XmlElement[];
  /** Concatenated character data directly inside this element, entities decoded, not trimmed. */
  text: string;
}

export type XmlParseResult = { readonly ok: true; readonly root: XmlElement } | { readonly ok: false; readonly reason: string };

export interface XmlLimits {
  readonly maxDepth: number;
  readonly maxElements: number;
}

const DEFAULT_LIMITS: XmlLimits = { maxDepth: 32, maxElements: 200_000 };
const NAME_END = /[\s/>]/;

function decodeEntities(raw: string): string {
  if (!raw.includes("&")) return raw;
  return raw.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (whole, entity: string) => {
    const lower = entity.toLowerCase();
    if (lower === "lt") return "<";
    if (lower === "gt") return ">";
    if (lower === "amp") return "&";
    if (lower === "quot") return '"';
    if (lower === "apos") return "'";
    const codePoint = lower.startsWith("#x") ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
    return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : whole;
  });
}

function parseAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  const pattern = /([^\s=/]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>/]+))/g;
  for (const match of source.matchAll(pattern)) {
    const name = match[1];
    if (name !== undefined) attributes.set(name.toLowerCase(), decodeEntities(match[2] ?? match[3] ?? match[4] ?? ""));
  }
  return attributes;
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Skip `<?…?>`, `<!--…-->`, `<!…>` starting at `at`; returns the index after it, or -1 if unterminated. */
function skipMarkup(text: string, at: number): number {
  if (text.startsWith("<?", at)) {
    const end = text.indexOf("?>", at + 2);
    return end < 0 ? -1 : end + 2;
  }
  if (text.startsWith("<!--", at)) {
    const end = text.indexOf("-->", at + 4);
    return end < 0 ? -1 : end + 3;
  }
  if (text.startsWith("<![CDATA[", at)) {
    const end = text.indexOf("]]>", at + 9);
    return end < 0 ? -1 : end + 3;
  }
  const end = text.indexOf(">", at + 2);
  return end < 0 ? -1 : end + 1;
}

export function parseXml(text: string, limits: XmlLimits = DEFAULT_LIMITS): XmlParseResult {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let elementCount = 0;
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  while (at < text.length) {
    const open = text.indexOf("<", at);
    const current = stack[stack.length - 1];
    if (open < 0) {
      if (current !== undefined) current.text += decodeEntities(text.slice(at));
      break;
    }
    if (current !== undefined && open > at) current.text += decodeEntities(text.slice(at, open));
    const next = text[open + 1];

    if (next === "!" || next === "?") {
      const end = skipMarkup(text, open);
      if (end < 0) break;
      if (current !== undefined && text.startsWith("<![CDATA[", open)) current.text += text.slice(open + 9, end - 3);
      at = end;
      continue;
    }

    if (next === "/") {
      const end = text.indexOf(">", open);
      if (end < 0) break;
      const name = text.slice(open + 2, end).trim();
      const depth = stack.findLastIndex((element) => sameName(element.name, name));
      if (depth >= 0) stack.length = depth;
      at = end + 1;
      if (stack.length === 0 && root !== undefined) break;
      continue;
    }

    if (next === undefined || /[\s<>=&]/.test(next)) {
      // A bare "<" in character data is not markup.
      if (current !== undefined) current.text += "<";
      at = open + 1;
      continue;
    }

    const end = text.indexOf(">", open);
    if (end < 0) break;
    const inner = text.slice(open + 1, end);
    const selfClosing = inner.endsWith("/");
    const body = selfClosing ? inner.slice(0, -1) : inner;
    const nameEnd = body.search(NAME_END);
    const name = nameEnd < 0 ? body : body.slice(0, nameEnd);
    const element: XmlElement = {
      name,
      attributes: nameEnd < 0 ? new Map() : parseAttributes(body.slice(nameEnd)),
      children: [],
      text: "",
    };
    if (++elementCount > limits.maxElements) return { ok: false, reason: `more than ${limits.maxElements} elements` };
    if (current === undefined) {
      root = element;
    } else {
      current.children.push(element);
    }
    at = end + 1;
    if (selfClosing) {
      if (current === undefined) break;
      continue;
    }
    if (stack.length >= limits.maxDepth) return { ok: false, reason: `nesting deeper than ${limits.maxDepth}` };
    stack.push(element);
  }

  if (root === undefined) return { ok: false, reason: "no root element" };
  if (stack.length > 0) return { ok: false, reason: `truncated XML: <${stack[stack.length - 1]?.name}> not closed` };
  return { ok: true, root };
}

export function childElement(parent: XmlElement, name: string): XmlElement | undefined {
  return parent.children.find((child) => sameName(child.name, name));
}

export function childElements(parent: XmlElement, name: string): XmlElement[] {
  return parent.children.filter((child) => sameName(child.name, name));
}

/** Trimmed text of the first child called `name`; empty counts as absent. */
export function childText(parent: XmlElement, name: string): string | undefined {
  const child = childElement(parent, name);
  if (child === undefined) return undefined;
  const value = child.text.trim();
  return value === "" ? undefined : value;
}
