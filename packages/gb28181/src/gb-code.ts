/**
 * 20-digit GB/T 28181 identifiers (GB/T 28181-2016 Appendix D, GB/T 28181-2022 Appendix E):
 * centre code (8) + industry (2) + type (3) + network (1) + sequence (6).
 * The first 10 digits (centre + industry) form the SIP domain.
 */

export interface GbCode {
  readonly code: string;
  /** Centre code: the administrative division down to grassroots unit. */
  readonly centre: {
    readonly code: string;
    readonly province: string;
    readonly city: string;
    readonly district: string;
    readonly grassroots: string;
  };
  readonly industry: string;
  readonly type: string;
  /** Human name of `type` from the standard's table, when known. */
  readonly typeName?: string;
  readonly network: string;
  readonly sequence: string;
  /** First 10 digits, the SIP domain ID. */
  readonly domain: string;
}

export type GbCodeParseResult = ({ readonly ok: true } & GbCode) | { readonly ok: false; readonly reason: string };

/** Type codes (GB/T 28181-2016 Table D.1). */
export const GB_TYPE_NAMES: Readonly<Record<string, string>> = {
  "111": "DVR",
  "112": "video server",
  "113": "encoder",
  "114": "decoder",
  "115": "video switching matrix",
  "116": "audio switching matrix",
  "117": "alarm controller",
  "118": "NVR",
  "131": "camera",
  "132": "IPC",
  "133": "display",
  "134": "alarm input device",
  "135": "alarm output device",
  "136": "voice input device",
  "137": "voice output device",
  "138": "mobile transmission device",
  "139": "other peripheral",
  "200": "SIP server",
  "201": "web application server",
  "202": "media distribution server",
  "203": "proxy server",
  "204": "security server",
  "205": "alarm server",
  "206": "database server",
  "207": "GIS server",
  "208": "management server",
  "209": "access gateway",
  "210": "media storage server",
  "211": "signaling security routing gateway",
  "215": "business group",
  "216": "virtual organization",
  "300": "central user",
  "400": "terminal user",
};

/** Broad class of a type code (Table D.1 ranges). */
export type GbTypeClass = "front-end device" | "front-end peripheral" | "platform" | "central user" | "terminal user" | "extension";

export function gbTypeClass(type: string): GbTypeClass {
  const value = Number(type);
  if (value >= 111 && value <= 130) return "front-end device";
  if (value >= 131 && value <= 199) return "front-end peripheral";
  if (value >= 200 && value <= 299) return "platform";
  if (value >= 300 && value <= 399) return "central user";
  if (value >= 400 && value <= 499) return "terminal user";
  return "extension";
}

export function parseGbCode(code: string): GbCodeParseResult {
  if (code.length !== 20) return { ok: false, reason: `expected 20 digits, got ${code.length} characters` };
  if (!/^\d{20}$/.test(code)) return { ok: false, reason: "contains non-digit characters" };
  const type = code.slice(10, 13);
  const typeName = GB_TYPE_NAMES[type];
  return {
    ok: true,
    code,
    centre: {
      code: code.slice(0, 8),
      province: code.slice(0, 2),
      city: code.slice(2, 4),
      district: code.slice(4, 6),
      grassroots: code.slice(6, 8),
    },
    industry: code.slice(8, 10),
    type,
    ...(typeName === undefined ? {} : { typeName }),
    network: code.slice(13, 14),
    sequence: code.slice(14, 20),
    domain: code.slice(0, 10),
  };
}

export function isGbCode(code: string): boolean {
  return parseGbCode(code).ok;
}

export interface GbCodeParts {
  /** 10 digits: centre code (8) + industry (2). */
  readonly domain: string;
  /** 3-digit type code, e.g. 132 for IPC. */
  readonly type: string | number;
  /** 0–999999. */
  readonly sequence: number;
  /** Network identifier digit (0–4 private video network, 5 public security, 7 Internet …). Default 0. */
  readonly network?: number;
}

/** Compose a code; throws on out-of-range input because that is a programming error. */
export function buildGbCode(parts: GbCodeParts): string {
  const type = String(parts.type);
  const network = parts.network ?? 0;
  if (!/^\d{10}$/.test(parts.domain)) throw new RangeError(`domain must be 10 digits: ${parts.domain}`);
  if (!/^\d{3}$/.test(type)) throw new RangeError(`type must be 3 digits: ${type}`);
  if (!Number.isInteger(network) || network < 0 || network > 9) throw new RangeError(`network must be one digit: ${network}`);
  if (!Number.isInteger(parts.sequence) || parts.sequence < 0 || parts.sequence > 999_999) {
    throw new RangeError(`sequence must be 0..999999: ${parts.sequence}`);
  }
  return `${parts.domain}${type}${network}${String(parts.sequence).padStart(6, "0")}`;
}
