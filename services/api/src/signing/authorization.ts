/** The fields of `Authorization: q-sign-algorithm=sha1&q-ak=…` (spec 01 §1.2 step 8). */
export interface AuthorizationFields {
  readonly secretId: string;
  readonly keyTime: KeyTime;
  readonly headerList: readonly string[];
  readonly urlParamList: readonly string[];
  readonly signature: string;
}

export interface KeyTime {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const REQUIRED = [
  "q-sign-algorithm",
  "q-ak",
  "q-sign-time",
  "q-key-time",
  "q-header-list",
  "q-url-param-list",
  "q-signature",
] as const;

/** Longest Authorization value accepted: bounds the work a peer can ask for. */
export const MAX_AUTHORIZATION_LENGTH = 4096;

export function parseKeyTime(text: string): ParseResult<KeyTime> {
  const match = /^(\d{1,12});(\d{1,12})$/.exec(text);
  if (!match) return { ok: false, reason: "q-key-time is not <start>;<end> in Unix seconds" };
  const start = Number(match[1]);
  const end = Number(match[2]);
  if (end < start) return { ok: false, reason: "q-key-time ends before it starts" };
  return { ok: true, value: { text, start, end } };
}

function splitList(text: string): string[] {
  return text === "" ? [] : text.split(";");
}

export function parseAuthorization(header: string): ParseResult<AuthorizationFields> {
  if (header.length > MAX_AUTHORIZATION_LENGTH) return { ok: false, reason: "Authorization header too long" };
  const fields = new Map<string, string>();
  for (const part of header.trim().split("&")) {
    const eq = part.indexOf("=");
    if (eq < 0) return { ok: false, reason: `Authorization part without '=': ${part.slice(0, 32)}` };
    const name = part.slice(0, eq);
    if (fields.has(name)) return { ok: false, reason: `Authorization repeats ${name}` };
    fields.set(name, part.slice(eq + 1));
  }
  for (const name of REQUIRED) {
    if (!fields.has(name)) return { ok: false, reason: `Authorization lacks ${name}` };
  }
  const algorithm = fields.get("q-sign-algorithm");
  if (algorithm !== "sha1") return { ok: false, reason: "q-sign-algorithm must be sha1" };
  const secretId = fields.get("q-ak") ?? "";
  if (secretId === "") return { ok: false, reason: "q-ak is empty" };
  const signTime = fields.get("q-sign-time") ?? "";
  const keyTimeText = fields.get("q-key-time") ?? "";
  if (signTime !== keyTimeText) return { ok: false, reason: "q-sign-time differs from q-key-time" };
  const keyTime = parseKeyTime(keyTimeText);
  if (!keyTime.ok) return keyTime;
  const signature = fields.get("q-signature") ?? "";
  if (!/^[0-9a-f]{40}$/.test(signature)) return { ok: false, reason: "q-signature is not 40 lowercase hex digits" };
  return {
    ok: true,
    value: {
      secretId,
      keyTime: keyTime.value,
      headerList: splitList(fields.get("q-header-list") ?? ""),
      urlParamList: splitList(fields.get("q-url-param-list") ?? ""),
      signature,
    },
  };
}
