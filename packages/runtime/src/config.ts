import { createHash } from "node:crypto";
import { UTC_OFFSET } from "./utc-offset.js";

/** Outcome of reading one variable: its value, or a sentence saying what is allowed. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; expected: string };

export interface EnvVar<T> {
  readonly parse: (raw: string) => ParseResult<T>;
  /** Used when the variable is unset or empty; `undefined` makes the variable required. */
  readonly fallback: T | undefined;
  readonly required: boolean;
  readonly describe: string;
}

type Spec = Record<string, EnvVar<unknown>>;
export type ConfigOf<S extends Spec> = { readonly [K in keyof S]: S[K] extends EnvVar<infer T> ? T : never };

/** Thrown by loadConfig; its message is the one line printed before a service exits. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string | undefined,
    readonly expected: string,
  ) {
    super(
      value === undefined
        ? `configuration error: ${variable} is required (${expected})`
        : `configuration error: ${variable}=${JSON.stringify(value)} is not allowed: expected ${expected}`,
    );
    this.name = "ConfigError";
  }
}

function variable<T>(describe: string, parse: (raw: string) => ParseResult<T>, fallback: T | undefined): EnvVar<T> {
  return { parse, fallback, required: fallback === undefined, describe };
}

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const no = <T>(expected: string): ParseResult<T> => ({ ok: false, expected });

function parseInteger(raw: string, min: number, max: number): number | undefined {
  if (!/^-?\d+$/.test(raw.trim())) return undefined;
  const n = Number(raw.trim());
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}

export interface PortRange {
  readonly first: number;
  readonly last: number;
}

export interface DurationOptions {
  min?: number;
  max?: number;
}

/** Builders for environment variables; each states what it allows so errors can say it. */
export const env = {
  int(fallback: number | undefined, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): EnvVar<number> {
    const expected = `an integer from ${min} to ${max}`;
    return variable(expected, (raw) => {
      const n = parseInteger(raw, min, max);
      return n === undefined ? no(expected) : ok(n);
    }, fallback);
  },
  port(fallback: number | undefined): EnvVar<number> {
    const expected = "a TCP/UDP port number from 1 to 65535";
    return variable(expected, (raw) => {
      const n = parseInteger(raw, 1, 65535);
      return n === undefined ? no(expected) : ok(n);
    }, fallback);
  },
  /** A port that may be 0 (the OS picks one), for tests and side listeners. */
  portOrZero(fallback: number | undefined): EnvVar<number> {
    const expected = "a port number from 0 to 65535 (0 lets the system choose)";
    return variable(expected, (raw) => {
      const n = parseInteger(raw, 0, 65535);
      return n === undefined ? no(expected) : ok(n);
    }, fallback);
  },
  portRange(fallback: PortRange): EnvVar<PortRange> {
    const expected = "a range FIRST-LAST of ports from 1024 to 65535 with FIRST <= LAST, e.g. 30000-30999";
    return variable(expected, (raw) => {
      const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(raw);
      if (!m) return no(expected);
      const first = parseInteger(m[1] ?? "", 1024, 65535);
      const last = parseInteger(m[2] ?? "", 1024, 65535);
      if (first === undefined || last === undefined || first > last) return no(expected);
      return ok({ first, last });
    }, fallback);
  },
  string(fallback: string | undefined, pattern?: RegExp, expected = "a non-empty string"): EnvVar<string> {
    return variable(expected, (raw) => (pattern && !pattern.test(raw) ? no(expected) : ok(raw)), fallback);
  },
  optionalString(): EnvVar<string | undefined> {
    return { parse: (raw) => ok(raw), fallback: undefined, required: false, describe: "any string (optional)" };
  },
  url(fallback: string | undefined, protocols: readonly string[]): EnvVar<string> {
    const expected = `a URL with scheme ${protocols.map((p) => `${p}://`).join(" or ")}`;
    return variable(expected, (raw) => {
      try {
        const u = new URL(raw);
        return protocols.includes(u.protocol.replace(/:$/, "")) && u.hostname !== "" ? ok(raw) : no(expected);
      } catch {
        return no(expected);
      }
    }, fallback);
  },
  optionalUrl(protocols: readonly string[]): EnvVar<string | undefined> {
    const inner = env.url(undefined, protocols);
    return { parse: inner.parse, fallback: undefined, required: false, describe: `${inner.describe} (optional)` };
  },
  oneOf<const T extends string>(values: readonly T[], fallback: T | undefined): EnvVar<T> {
    const expected = `one of ${values.join(", ")}`;
    return variable(expected, (raw) => ((values as readonly string[]).includes(raw) ? ok(raw as T) : no(expected)), fallback);
  },
  bool(fallback: boolean | undefined): EnvVar<boolean> {
    const expected = "true or false (also 1/0, yes/no)";
    return variable(expected, (raw) => {
      const v = raw.trim().toLowerCase();
      if (["true", "1", "yes", "on"].includes(v)) return ok(true);
      if (["false", "0", "no", "off"].includes(v)) return ok(false);
      return no(expected);
    }, fallback);
  },
  /** Seconds as a positive number (fractions allowed), returned in milliseconds. */
  seconds(fallbackSeconds: number | undefined, opts: DurationOptions = {}): EnvVar<number> {
    const min = opts.min ?? 0.001;
    const max = opts.max ?? 86_400;
    const expected = `a number of seconds from ${min} to ${max}`;
    return variable(expected, (raw) => {
      const n = Number(raw.trim());
      return raw.trim() !== "" && Number.isFinite(n) && n >= min && n <= max ? ok(Math.round(n * 1000)) : no(expected);
    }, fallbackSeconds === undefined ? undefined : Math.round(fallbackSeconds * 1000));
  },
  gbCode(fallback: string | undefined, digits: 10 | 20): EnvVar<string> {
    return env.string(fallback, new RegExp(`^\\d{${digits}}$`), `exactly ${digits} digits`);
  },
  /** A site's zone as a fixed UTC offset ("+08:00"); parseUtcOffset gives its minutes. */
  utcOffset(fallback: string | undefined): EnvVar<string> {
    return env.string(fallback, UTC_OFFSET, "a UTC offset such as +08:00 or -05:00");
  },
  ipv4(fallback: string | undefined): EnvVar<string> {
    const expected = "an IPv4 address such as 192.168.1.10";
    return variable(expected, (raw) => {
      const parts = raw.split(".");
      const valid = parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
      return valid ? ok(raw) : no(expected);
    }, fallback);
  },
};

/** Reads and validates every variable of `spec`; the first bad one throws a ConfigError. */
export function loadConfig<S extends Spec>(spec: S, source: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(spec)) {
    const raw = source[name];
    if (raw === undefined || raw === "") {
      if (v.required) throw new ConfigError(name, undefined, v.describe);
      out[name] = v.fallback;
      continue;
    }
    const parsed = v.parse(raw);
    if (!parsed.ok) throw new ConfigError(name, raw, parsed.expected);
    out[name] = parsed.value;
  }
  return out as ConfigOf<S>;
}

/** Like loadConfig, but a bad value ends the process with one line on stderr and exit code 78 (EX_CONFIG). */
export function loadConfigOrExit<S extends Spec>(spec: S, source: NodeJS.ProcessEnv = process.env): ConfigOf<S> {
  try {
    return loadConfig(spec, source);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

/**
 * The service-node id when CLUSTER_ID is unset: derived from the SIP server ID so every service
 * of one site agrees on it without coordination, and two sites with different SIP IDs differ.
 */
export function defaultClusterId(sipId: string): string {
  const h = createHash("sha1").update(`ivc-cluster:${sipId}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Variables every service reads: infrastructure, logging and the site identity. */
export const commonEnv = {
  NATS_URL: env.url("nats://127.0.0.1:4222", ["nats", "tls", "ws", "wss"]),
  REDIS_URL: env.url("redis://127.0.0.1:6379", ["redis", "rediss"]),
  LOG_LEVEL: env.oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info"),
  SIP_ID: env.gbCode("34020000002000000001", 20),
  CLUSTER_ID: env.optionalString(),
};

export function resolveClusterId(cfg: { CLUSTER_ID: string | undefined; SIP_ID: string }): string {
  return cfg.CLUSTER_ID ?? defaultClusterId(cfg.SIP_ID);
}
