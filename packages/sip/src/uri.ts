/**
 * SIP/SIPS URIs (RFC 3261 §19.1, grammar §25.1). Components are stored decoded
 * (escapes resolved, so "sip:%75ser@h" and "sip:user@h" compare equal) and
 * re-escaped by formatSipUri.
 */
export interface SipUri {
  scheme: "sip" | "sips";
  user?: string;
  password?: string;
  host: string;
  port?: number;
  /** uri-parameters, names lower-cased; flag parameters (e.g. lr) are null. */
  params: Record<string, string | null>;
  /** `?name=value&...` headers, decoded. */
  headers: Record<string, string>;
}

const UNRESERVED = "A-Za-z0-9\\-_.!~*'()";
const USER_CHARS = new RegExp(`^[${UNRESERVED}&=+$,;?/%]*$`);
const PASSWORD_CHARS = new RegExp(`^[${UNRESERVED}&=+$,%]*$`);
const PARAM_CHARS = new RegExp(`^[${UNRESERVED}\\[\\]/:&+$%]*$`);
const HEADER_CHARS = new RegExp(`^[${UNRESERVED}\\[\\]/?:+$%]*$`);
const SCHEME = /^[A-Za-z][A-Za-z0-9+\-.]*:/;
const HOSTNAME = /^[A-Za-z0-9\-.]+$/;
const IPV6_REFERENCE = /^\[[0-9A-Fa-f:.]+\]$/;

/** The lower-cased scheme of an absoluteURI, or undefined when there is none. */
export function uriScheme(text: string): string | undefined {
  const match = SCHEME.exec(text);
  return match ? match[0].slice(0, -1).toLowerCase() : undefined;
}

function percentDecode(text: string, allowed: RegExp): string | undefined {
  if (!allowed.test(text)) return undefined;
  if (!text.includes("%")) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "%") {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(text[i] ?? "", "utf8"));
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

function percentEncode(text: string, allowed: RegExp): string {
  let out = "";
  for (const ch of text) {
    if (ch !== "%" && allowed.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, "utf8")) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function parseHostPort(text: string): { host: string; port?: number } | undefined {
  let host = text;
  let portText: string | undefined;
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) return undefined;
    host = text.slice(0, close + 1);
    const rest = text.slice(close + 1);
    if (rest !== "") {
      if (!rest.startsWith(":")) return undefined;
      portText = rest.slice(1);
    }
    if (!IPV6_REFERENCE.test(host)) return undefined;
  } else {
    const colon = text.indexOf(":");
    if (colon >= 0) {
      host = text.slice(0, colon);
      portText = text.slice(colon + 1);
    }
    if (!HOSTNAME.test(host)) return undefined;
  }
  if (portText === undefined) return { host };
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  return port <= 65535 ? { host, port } : undefined;
}

export function parseSipUri(text: string): SipUri | undefined {
  const scheme = uriScheme(text);
  if (scheme !== "sip" && scheme !== "sips") return undefined;
  let rest = text.slice(scheme.length + 1);
  const uri: SipUri = { scheme, host: "", params: {}, headers: {} };

  // '@' cannot appear unescaped outside userinfo (§25.1), so the first one ends it.
  const at = rest.indexOf("@");
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(":");
    const user = percentDecode(colon >= 0 ? userinfo.slice(0, colon) : userinfo, USER_CHARS);
    if (user === undefined || user === "") return undefined;
    uri.user = user;
    if (colon >= 0) {
      const password = percentDecode(userinfo.slice(colon + 1), PASSWORD_CHARS);
      if (password === undefined) return undefined;
      uri.password = password;
    }
  }

  const question = rest.indexOf("?");
  const headersText = question >= 0 ? rest.slice(question + 1) : undefined;
  const beforeHeaders = question >= 0 ? rest.slice(0, question) : rest;
  const [hostPortText = "", ...paramTexts] = beforeHeaders.split(";");
  const hostPort = parseHostPort(hostPortText);
  if (!hostPort) return undefined;
  uri.host = hostPort.host;
  if (hostPort.port !== undefined) uri.port = hostPort.port;

  for (const paramText of paramTexts) {
    const eq = paramText.indexOf("=");
    const name = percentDecode(eq >= 0 ? paramText.slice(0, eq) : paramText, PARAM_CHARS);
    const value = eq >= 0 ? percentDecode(paramText.slice(eq + 1), PARAM_CHARS) : null;
    if (name === undefined || name === "" || value === undefined) return undefined;
    uri.params[name.toLowerCase()] = value;
  }

  if (headersText !== undefined) {
    for (const headerText of headersText.split("&")) {
      const eq = headerText.indexOf("=");
      if (eq <= 0) return undefined;
      const name = percentDecode(headerText.slice(0, eq), HEADER_CHARS);
      const value = percentDecode(headerText.slice(eq + 1), HEADER_CHARS);
      if (name === undefined || value === undefined) return undefined;
      uri.headers[name] = value;
    }
  }
  return uri;
}

export function formatSipUri(uri: SipUri): string {
  let out = `${uri.scheme}:`;
  if (uri.user !== undefined) {
    out += percentEncode(uri.user, USER_CHARS);
    if (uri.password !== undefined) out += `:${percentEncode(uri.password, PASSWORD_CHARS)}`;
    out += "@";
  }
  out += uri.host;
  if (uri.port !== undefined) out += `:${uri.port}`;
  for (const [name, value] of Object.entries(uri.params)) {
    out += `;${percentEncode(name, PARAM_CHARS)}`;
    if (value !== null) out += `=${percentEncode(value, PARAM_CHARS)}`;
  }
  const headers = Object.entries(uri.headers);
  if (headers.length > 0) {
    out += `?${headers.map(([n, v]) => `${percentEncode(n, HEADER_CHARS)}=${percentEncode(v, HEADER_CHARS)}`).join("&")}`;
  }
  return out;
}
