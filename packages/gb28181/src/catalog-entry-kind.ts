import { GB_TYPE_NAMES, parseGbCode } from "./gb-code.js";
import type { CatalogItem } from "./manscdp-types.js";

/**
 * What a Catalog item (A.2.6.4) is. A platform's catalog is a directory tree: civil-code nodes,
 * business groups and virtual organizations hold devices, devices hold channels, and alarm
 * inputs sit beside cameras. Only video channels can be played.
 */
export type CatalogEntryKind = "video-channel" | "civil-code" | "business-group" | "virtual-organization" | "device" | "alarm-input" | "other";

/** Civil codes (GB/T 2260 in Appendix D): province 2, city 4, district 6, grassroots 8 digits. */
const CIVIL_CODE = /^\d{2}(?:\d{2}){0,3}$/;

/**
 * GB/T 28181-2016 Table D.1 (type = digits 11–13): 131 camera and 132 IPC carry video; encoders'
 * and NVRs' inputs are coded 131/132 too, the 111–130 types are the boxes that hold them.
 */
function kindOfType(type: string): CatalogEntryKind {
  if (type === "131" || type === "132") return "video-channel";
  if (type === "215") return "business-group";
  if (type === "216") return "virtual-organization";
  if (type === "134") return "alarm-input";
  const value = Number(type);
  if (value >= 111 && value <= 130) return "device";
  return "other";
}

export function catalogEntryKind(item: Pick<CatalogItem, "deviceId" | "parental">): CatalogEntryKind {
  if (CIVIL_CODE.test(item.deviceId)) return "civil-code";
  const code = parseGbCode(item.deviceId);
  // Firmwares with home-made codes (a type outside Table D.1, or not 20 digits) still list their
  // cameras: a leaf such entry is taken for a channel rather than hidden.
  if (!code.ok || GB_TYPE_NAMES[code.type] === undefined) return item.parental === true ? "other" : "video-channel";
  return kindOfType(code.type);
}
