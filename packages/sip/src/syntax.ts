// Lexical rules of RFC 3261 §25.1 shared by the header and URI parsers.

const TOKEN_CHARS = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export function isToken(text: string): boolean {
  return TOKEN_CHARS.test(text);
}

export function isTokenChar(ch: string): boolean {
  return ch.length === 1 && TOKEN_CHARS.test(ch);
}

export function isWhitespace(ch: string | undefined): boolean {
  return ch === " " || ch === "\t";
}

/** Strips SP/HT only: String#trim would also eat U+FEFF and other Unicode spaces. */
export function trimLws(text: string): string {
  return text.replace(/^[ \t]+|[ \t]+$/g, "");
}

export function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (isWhitespace(text[i])) i++;
  return i;
}

/**
 * Index just past the closing quote of the quoted-string opening at `start`,
 * or -1 when it is unterminated. quoted-pair (`\` + any char) is honoured.
 */
export function endOfQuotedString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === "\\") i++;
    else if (ch === '"') return i + 1;
  }
  return -1;
}

export function unquote(quoted: string): string {
  return quoted.slice(1, -1).replace(/\\(.)/gs, "$1");
}

export function quote(text: string): string {
  return `"${text.replace(/["\\]/g, "\\$&")}"`;
}

/**
 * Splits a header value on top-level commas (RFC 3261 §7.3.1), ignoring commas
 * inside quoted strings and <...>. Entries are trimmed; empty entries are kept
 * so callers can reject them (e.g. "Via: a;,,").
 */
export function splitHeaderList(value: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '"') {
      const end = endOfQuotedString(value, i);
      if (end < 0) break;
      i = end - 1;
    } else if (ch === "<") inAngle = true;
    else if (ch === ">") inAngle = false;
    else if (ch === "," && !inAngle) {
      parts.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(value.slice(start).trim());
  return parts;
}
