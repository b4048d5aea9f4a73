import type { KeyObject } from "node:crypto";
import type { GatewayUpgradeState } from "@ivc/bus";
import type { Logger } from "@ivc/runtime";
import { verifyBundle, type BundleManifest } from "../release/bundle-format.js";
import { downloadBundle } from "./download.js";
import type { ServiceTree, TreeService } from "./service-tree.js";
import type { VersionStore } from "./version-store.js";

export class UpgradeInProgressError extends Error {
  constructor(readonly running: string | undefined) {
    super(`an upgrade${running ? ` to ${running}` : ""} is already running`);
    this.name = "UpgradeInProgressError";
  }
}

export interface UpgraderOptions {
  store: VersionStore;
  tree: ServiceTree;
  releasePublicKey: KeyObject;
  logger: Logger;
  /** The agent's own service name: it is in the bundle but not in the tree. */
  selfName: string;
  healthTimeoutMs: number;
  /** How long a healthy service must stay up to count as not crash-looping. */
  settleMs: number;
  maxBundleBytes: number;
  downloadTimeoutMs: number;
  onStatus: (state: GatewayUpgradeState) => void;
  /**
   * The bundle changed the agent itself: it should exit so systemd starts the new one (guarded by
   * deploy/edge/ivc-edge-guard.mjs, which switches back if the new agent does not start).
   */
  onSelfChanged?: () => void;
}

class UpgradeFailure extends Error {}

/** The box services of a release, as the tree runs them. */
export function treeServicesOf(manifest: BundleManifest, selfName: string): TreeService[] {
  return Object.entries(manifest.services)
    .filter(([name]) => name !== selfName)
    .map(([name, s]) => ({ name, version: s.version, main: s.main, healthPort: s.healthPort, ...(s.healthPortEnv ? { healthPortEnv: s.healthPortEnv } : {}) }));
}

/**
 * One upgrade at a time: download → verify (signature, then every digest) → install beside the
 * running version → switch `current` → restart the services whose version changed → health-check
 * them. Any failure after the switch switches back and restarts the old versions, so the box
 * always ends on a version whose services answered their health checks.
 */
export class Upgrader {
  private upgradeState: GatewayUpgradeState;
  private running: string | undefined;

  constructor(private readonly options: UpgraderOptions) {
    this.upgradeState = { state: "idle", at: Date.now() };
  }

  get state(): GatewayUpgradeState {
    return this.upgradeState;
  }

  /** Starts the services of the installed version (at agent start). */
  async startInstalled(): Promise<string | undefined> {
    const { store, tree, selfName } = this.options;
    const current = await store.currentVersion();
    const manifest = current ? await store.manifestOf(current) : undefined;
    if (manifest) for (const service of treeServicesOf(manifest, selfName)) tree.start(service);
    const selfRollback = await store.takeSelfRollback();
    this.upgradeState = selfRollback
      ? { state: "rolled-back", version: selfRollback.version, current: selfRollback.previous, reason: selfRollback.reason, at: Date.now() }
      : { state: "idle", ...(current ? { current } : {}), at: Date.now() };
    return current;
  }

  /** Accepts an upgrade and runs it in the background; resolves with the outcome for tests and logs. */
  begin(version: string, bundleUrl: string): Promise<GatewayUpgradeState> {
    if (this.running !== undefined) throw new UpgradeInProgressError(this.running);
    this.running = version;
    return this.run(version, bundleUrl).finally(() => {
      this.running = undefined;
    });
  }

  private report(state: GatewayUpgradeState["state"], version: string, current: string | undefined, reason?: string): GatewayUpgradeState {
    // Strictly later than the previous state: the platform drops a report not newer than the last.
    const at = Math.max(Date.now(), this.upgradeState.at + 1);
    this.upgradeState = { state, version, ...(current ? { current } : {}), ...(reason ? { reason } : {}), at };
    const log = this.options.logger.child({ upgradeVersion: version, currentVersion: current });
    if (reason) log.warn({ state, reason }, "upgrade");
    else log.info({ state }, "upgrade");
    this.options.onStatus(this.upgradeState);
    return this.upgradeState;
  }

  private async run(version: string, bundleUrl: string): Promise<GatewayUpgradeState> {
    const { store, releasePublicKey } = this.options;
    const previous = await store.currentVersion();
    const previousManifest = previous ? await store.manifestOf(previous) : undefined;
    let switched = false;
    try {
      this.report("downloading", version, previous);
      const bytes = await downloadBundle(bundleUrl, this.options.maxBundleBytes, this.options.downloadTimeoutMs).catch((err: unknown) => {
        throw new UpgradeFailure(`download failed: ${err instanceof Error ? err.message : String(err)}`);
      });
      this.report("verifying", version, previous);
      const verified = verifyBundle(bytes, releasePublicKey);
      if (!verified.ok) throw new UpgradeFailure(verified.reason);
      const next = verified.value.manifest;
      if (next.version !== version) throw new UpgradeFailure(`bundle holds version ${next.version}, not the requested ${version}`);
      if (next.version === previous) throw new UpgradeFailure(`version ${version} is already running`);
      this.report("installing", version, previous);
      await store.install(verified.value);
      this.report("switching", version, previous);
      await store.switchTo(version);
      switched = true;
      this.report("health-check", version, version);
      const failure = await this.apply(previousManifest, next);
      if (failure) throw new UpgradeFailure(failure);
      await store.prune(previous ? [version, previous] : [version]);
      const selfChanged = previousManifest?.services[this.options.selfName]?.version !== next.services[this.options.selfName]?.version;
      const outcome = this.report("succeeded", version, version);
      if (selfChanged && next.services[this.options.selfName] && this.options.onSelfChanged) {
        if (previous) await store.markSelfPending(previous, version);
        this.options.onSelfChanged();
      }
      return outcome;
    } catch (err) {
      const reason = err instanceof UpgradeFailure ? err.message : `unexpected error: ${err instanceof Error ? err.message : String(err)}`;
      if (!switched || !previous || !previousManifest) return this.report("failed", version, switched ? version : previous, reason);
      return this.rollBack(version, previous, previousManifest, reason);
    }
  }

  private async rollBack(version: string, previous: string, previousManifest: BundleManifest, reason: string): Promise<GatewayUpgradeState> {
    const { store } = this.options;
    const failed = await store.manifestOf(version);
    try {
      await store.switchTo(previous);
      const again = await this.apply(failed, previousManifest);
      const detail = again ? `; the old version is unhealthy too: ${again}` : "";
      return this.report("rolled-back", version, previous, `${reason}${detail}`);
    } catch (err) {
      return this.report("failed", version, previous, `${reason}; rollback failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /**
   * Brings the tree from `from` to `to`: stops services `to` drops, (re)starts services that are
   * new or changed version, and health-checks those. Returns why it failed, or undefined.
   */
  private async apply(from: BundleManifest | undefined, to: BundleManifest): Promise<string | undefined> {
    const { tree, selfName } = this.options;
    const wanted = treeServicesOf(to, selfName);
    for (const name of tree.names()) {
      if (!wanted.some((s) => s.name === name)) await tree.stop(name);
    }
    const changed = wanted.filter((s) => from?.services[s.name]?.version !== s.version || !tree.names().includes(s.name));
    for (const service of changed) await tree.restart(service);
    const outcomes = await Promise.all(changed.map((s) => tree.checkHealthy(s.name, this.options.healthTimeoutMs, this.options.settleMs)));
    const failures = outcomes.flatMap((o) => (o.ok ? [] : [o.reason]));
    return failures.length > 0 ? failures.join("; ") : undefined;
  }
}
