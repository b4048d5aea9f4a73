import { NAME_PATTERN } from "../validation/patterns.js";

/** G1/G8 and spec 02 §1: names are at most 32 characters. */
export const MAX_NAME_LENGTH = 32;

/**
 * A name that passes the name rule, made from text a box reports (hostname, ONVIF device name):
 * characters outside the rule become `-`, the result is cut to 32 characters, and `fallback` is
 * used when nothing is left.
 */
export function ruleAbidingName(text: string, fallback: string): string {
  const cleaned = [...text]
    .map((c) => (NAME_PATTERN.regex.test(c) ? c : "-"))
    .join("")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  const cut = [...cleaned].slice(0, MAX_NAME_LENGTH).join("");
  return cut === "" ? fallback : cut;
}
