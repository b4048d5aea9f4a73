import { randomBytes, timingSafeEqual } from "node:crypto";
import type { DownloadError } from "@ivc/bus";
import { UUID_PATTERN } from "../validation/patterns.js";

/** Spec 02 §24: a download URL is valid for 10 minutes (`expires=600`). */
export const DOWNLOAD_URL_VALID_SECONDS = 600;
/** Spec 02 §24: one download covers at most 30 minutes. */
export const MAX_DOWNLOAD_SECONDS = 1800;
/** The master-key purpose download URLs are signed under (SecretBox.mac). */
export const DOWNLOAD_URL_PURPOSE = "recording download url";

export type DownloadFileType = "mp4" | "ts";

/** What a download URL names: the legacy `source` `{ChannelId};{BeginTime};{EndTime};{FileType}`. */
export interface DownloadSource {
  readonly channelId: string;
  readonly beginTime: number;
  readonly endTime: number;
  readonly fileType: DownloadFileType;
}

/** The query of a download URL, as the spec's example prints it. */
export interface DownloadUrlParams {
  readonly source: string;
  /** 32 hex digits, random per URL: names one grant in the API's and the relay's logs. */
  readonly res: string;
  readonly expires: string;
  readonly signTime: string;
  /** The first 128 bits of HMAC-SHA256 over the other four, hex (the example's 32 hex digits). */
  readonly sign: string;
}

/** HMAC-SHA256 under the download URL key (SecretBox.mac with DOWNLOAD_URL_PURPOSE). */
export type DownloadMac = (text: string) => Buffer;

export type DownloadVerdict =
  | { ok: true; source: DownloadSource; res: string }
  | { ok: false; error: Extract<DownloadError, "invalidUrl" | "expired">; detail: string };

const SIGN_BYTES = 16;
const SOURCE = new RegExp(`^(${UUID_PATTERN.regex.source.slice(1, -1)});(\\d{1,12});(\\d{1,12});(mp4|ts)$`);
const HEX32 = /^[0-9a-f]{32}$/;
const SECONDS = /^\d{1,12}$/;

export function formatSource(source: DownloadSource): string {
  return `${source.channelId};${source.beginTime};${source.endTime};${source.fileType}`;
}

export function parseSource(text: string): DownloadSource | undefined {
  const match = SOURCE.exec(text);
  if (match === null) return undefined;
  return { channelId: match[1]!.toLowerCase(), beginTime: Number(match[2]), endTime: Number(match[3]), fileType: match[4] as DownloadFileType };
}

/** Every field the signature binds, versioned so a later layout cannot be confused with this one. */
function stringToSign(source: string, res: string, expires: string, signTime: string): string {
  return ["ivc-download-v1", source, res, expires, signTime].join("\n");
}

function signatureOf(mac: DownloadMac, source: string, res: string, expires: string, signTime: string): Buffer {
  return mac(stringToSign(source, res, expires, signTime)).subarray(0, SIGN_BYTES);
}

/** The signed query of a new download URL, valid DOWNLOAD_URL_VALID_SECONDS from `nowSeconds`. */
export function signDownload(mac: DownloadMac, source: DownloadSource, nowSeconds: number, res = randomBytes(16).toString("hex")): DownloadUrlParams {
  const fields = { source: formatSource(source), res, expires: String(DOWNLOAD_URL_VALID_SECONDS), signTime: String(nowSeconds) };
  return { ...fields, sign: signatureOf(mac, fields.source, fields.res, fields.expires, fields.signTime).toString("hex") };
}

/**
 * 42503 for anything malformed or not signed by us (every field is bound, so a changed range,
 * channel, type or validity is a bad signature), then 42504 once `signTime + expires` has passed.
 * The signature is checked before the time, so an expired answer says the URL was genuine.
 */
export function verifyDownload(mac: DownloadMac, params: DownloadUrlParams, nowSeconds: number): DownloadVerdict {
  const { source, res, expires, signTime, sign } = params;
  if (!HEX32.test(res) || !HEX32.test(sign) || !SECONDS.test(expires) || !SECONDS.test(signTime)) {
    return { ok: false, error: "invalidUrl", detail: "res and sign are 32 hex digits, expires and signTime decimal seconds" };
  }
  const expected = signatureOf(mac, source, res, expires, signTime);
  if (!timingSafeEqual(expected, Buffer.from(sign, "hex"))) return { ok: false, error: "invalidUrl", detail: "the signature does not match" };
  const parsed = parseSource(source);
  if (parsed === undefined) return { ok: false, error: "invalidUrl", detail: "source is not ChannelId;BeginTime;EndTime;FileType" };
  const until = Number(signTime) + Number(expires);
  if (nowSeconds > until) return { ok: false, error: "expired", detail: `the URL expired at ${until} (valid ${expires} s from ${signTime})` };
  return { ok: true, source: parsed, res };
}
