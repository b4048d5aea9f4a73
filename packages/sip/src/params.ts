import { endOfQuotedString, isTokenChar, isWhitespace, skipWhitespace } from "./syntax.js";

/**
 * Header parameters (`;name=value`, RFC 3261 §25.1 generic-param). Names are
 * lower-cased (they compare case-insensitively); a flag parameter has value null;
 * quoted values keep their quotes so formatting reproduces them.
 */
export type SipParams = Record<string, string | null>;

// gen-value = token / host / quoted-string; host adds "[", "]" and ":" (IPv6).
function isValueChar(ch: string): boolean {
  return isTokenChar(ch) || ch === "[" || ch === "]" || ch === ":";
}

/** Parses `;a=b;c` (SWS allowed around `;` and `=`); undefined when malformed. */
export function parseParams(text: string): SipParams | undefined {
  const params: SipParams = {};
  let i = skipWhitespace(text, 0);
  while (i < text.length) {
    if (text[i] !== ";") return undefined;
    i = skipWhitespace(text, i + 1);
    const nameStart = i;
    while (i < text.length && isTokenChar(text[i] ?? "")) i++;
    if (i === nameStart) return undefined;
    const name = text.slice(nameStart, i).toLowerCase();
    i = skipWhitespace(text, i);
    let value: string | null = null;
    if (text[i] === "=") {
      i = skipWhitespace(text, i + 1);
      const valueStart = i;
      if (text[i] === '"') {
        const end = endOfQuotedString(text, i);
        if (end < 0) return undefined;
        i = end;
      } else {
        while (i < text.length && isValueChar(text[i] ?? "")) i++;
      }
      if (i === valueStart) return undefined;
      value = text.slice(valueStart, i);
      i = skipWhitespace(text, i);
    }
    params[name] = value;
    if (i < text.length && !isWhitespace(text[i]) && text[i] !== ";") return undefined;
  }
  return params;
}

export function formatParams(params: SipParams): string {
  return Object.entries(params)
    .map(([name, value]) => (value === null ? `;${name}` : `;${name}=${value}`))
    .join("");
}
