/** Spec: names allow only Chinese characters, English letters, digits, `_` and `-`. */
export const NAME_PATTERN = { regex: /^[\p{Script=Han}A-Za-z0-9_-]+$/u, text: "Chinese characters, letters, digits, _ or -" };
export const DIGITS_PATTERN = { regex: /^\d+$/, text: "digits" };
export const UUID_PATTERN = {
  regex: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  text: "a UUID",
};
/** Device passwords: the spec says digits, its own example uses `admin123`; letters and digits are accepted. */
export const PASSWORD_PATTERN = { regex: /^[A-Za-z0-9]+$/, text: "letters and digits" };
/** Organization ids are decimal strings; "0" is the root. At most 15 digits, so that every id is exact as a JS number. */
export const ORGANIZATION_ID_PATTERN = { regex: /^(0|[1-9]\d{0,14})$/, text: "a decimal organization id of at most 15 digits" };
/** Descriptions follow the name rule but may be empty. */
export const DESCRIPTION_PATTERN = { regex: /^[\p{Script=Han}A-Za-z0-9_-]*$/u, text: "Chinese characters, letters, digits, _ or -" };
/** authstream `PushSecret`/`PullSecret` (spec 01 §5.8): letters and digits only; empty while authentication is off. */
export const STREAM_SECRET_PATTERN = { regex: /^[A-Za-z0-9]*$/, text: "letters and digits" };
/** control/stream `Resolution` (spec 02 §18): QCIF … 1080P/I, GB codes "1"–"6" or run-together digits like 19201080. */
export const RESOLUTION_PATTERN = { regex: /^[A-Za-z0-9/]+$/, text: "a resolution name (QCIF, CIF, 4CIF, D1, 720P, 1080P/I) or code" };
/** Play domains (spec 01 §5.4) and CNAME values: a DNS host name of at least two labels, no wildcard. */
export const HOST_NAME_PATTERN = {
  regex: /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/,
  text: "a host name such as play.example.com",
};
