import { gatewayIsUpdate } from "@ivc/bus";
import type { StoredUpgradeState } from "../db/schema.js";

/** G6 `Services[]` item. */
export interface ServiceVersion {
  Name: string;
  Version: string;
  LatestVersion: string;
  IsUpdate: boolean;
  UpgradeInfo: string;
}

export interface LatestRelease {
  readonly version: string;
  readonly services: Readonly<Record<string, string>>;
  readonly notes: string;
}

/** Upgrade states during which the box is busy: a second G7 is 42205 (resource in use). */
const RUNNING = new Set(["downloading", "verifying", "installing", "switching", "health-check"]);

export function upgradeRunning(state: StoredUpgradeState | null): boolean {
  return state !== null && RUNNING.has(state.state);
}

/**
 * What `UpgradeInfo` says for a service that needs an update: the running upgrade's stage, the
 * reason the last try of the latest release failed or rolled back, else the release notes.
 */
function upgradeInfo(state: StoredUpgradeState | null, release: LatestRelease): string {
  if (state && upgradeRunning(state)) return `upgrading to ${state.version ?? release.version}: ${state.state}`;
  if (state && (state.state === "failed" || state.state === "rolled-back") && state.version === release.version) {
    return `upgrade to ${release.version} ${state.state}${state.reason ? `: ${state.reason}` : ""}`;
  }
  return release.notes;
}

/**
 * G6: every service the box runs or the latest release carries. A service the latest release
 * does not carry is its own latest version; one the box does not run yet has Version "".
 */
export function serviceVersions(installed: Readonly<Record<string, string>>, release: LatestRelease | undefined, state: StoredUpgradeState | null): ServiceVersion[] {
  const names = [...new Set([...Object.keys(installed), ...Object.keys(release?.services ?? {})])].sort();
  return names.map((name) => {
    const version = installed[name] ?? "";
    const latest = release?.services[name] ?? version;
    const isUpdate = gatewayIsUpdate(version, latest);
    return { Name: name, Version: version, LatestVersion: latest, IsUpdate: isUpdate, UpgradeInfo: isUpdate && release ? upgradeInfo(state, release) : "" };
  });
}
