import { childElement, childText } from "./xml-tree.js";
import type { XmlElement } from "./xml-tree.js";
import type { CatalogEvent, OkError, OnOff } from "./manscdp-types.js";

/** Typed readers over MANSCDP child elements: absent, empty or malformed values read as undefined. */

export function textOf(parent: XmlElement | undefined, name: string): string | undefined {
  return parent === undefined ? undefined : childText(parent, name);
}

export function integerOf(parent: XmlElement | undefined, name: string): number | undefined {
  const value = textOf(parent, name);
  if (value === undefined || !/^[+-]?\d+$/.test(value)) return undefined;
  const parsed = Number(value);
  return Number.isSafeInteger(parsed) ? parsed : undefined;
}

export function decimalOf(parent: XmlElement | undefined, name: string): number | undefined {
  const value = textOf(parent, name);
  if (value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** GB/T 28181 uses 0/1 for booleans; some firmware writes true/false. */
export function flagOf(parent: XmlElement | undefined, name: string): boolean | undefined {
  const value = textOf(parent, name)?.toLowerCase();
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  return undefined;
}

export function onOffOf(parent: XmlElement | undefined, name: string): OnOff | undefined {
  switch (textOf(parent, name)?.toUpperCase()) {
    case "ON":
    case "ONLINE":
      return "ON";
    case "OFF":
    case "OFFLINE":
      return "OFF";
    default:
      return undefined;
  }
}

export function okErrorOf(parent: XmlElement | undefined, name: string): OkError | undefined {
  const value = textOf(parent, name)?.toUpperCase();
  return value === "OK" || value === "ERROR" ? value : undefined;
}

const CATALOG_EVENTS: readonly CatalogEvent[] = ["ADD", "DEL", "UPDATE", "ON", "OFF", "VLOST", "DEFECT"];

export function catalogEventOf(parent: XmlElement | undefined, name: string): CatalogEvent | undefined {
  const value = textOf(parent, name)?.toUpperCase();
  return CATALOG_EVENTS.find((event) => event === value);
}

/**
 * Pick one of `allowed` case-insensitively, returning the canonical spelling.
 */
export function oneOf<T extends string>(parent: XmlElement | undefined, name: string, allowed: readonly T[]): T | undefined {
  const value = textOf(parent, name)?.toLowerCase();
  return allowed.find((candidate) => candidate.toLowerCase() === value);
}

export function child(parent: XmlElement | undefined, name: string): XmlElement | undefined {
  return parent === undefined ? undefined : childElement(parent, name);
}

/** Drop undefined properties so parsed objects compare cleanly and serialise compactly. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
