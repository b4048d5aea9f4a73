import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** A service the launcher can start: its built entry point and where it reports health. */
export interface ServiceEntry {
  name: string;
  main: string;
  healthPortEnv: string;
  healthPortDefault: number;
  startOrder: number;
  /** Node.js flags the service needs (its package.json `ivc.nodeArgs`), before the entry point. */
  nodeArgs: string[];
}

interface ServiceManifest {
  name?: string;
  main?: string;
  ivc?: { healthPortEnv?: string; healthPortDefault?: number; startOrder?: number; nodeArgs?: string[] };
}

/**
 * Every workspace under services/ that declares an `ivc` block and has been built. The block in
 * each package.json is the single place that says how to reach the service's /healthz and which
 * Node.js flags it runs with.
 */
export function discoverServices(repoRoot: string): ServiceEntry[] {
  const dir = join(repoRoot, "services");
  if (!existsSync(dir)) return [];
  const entries: ServiceEntry[] = [];
  for (const name of readdirSync(dir)) {
    const manifestPath = join(dir, name, "package.json");
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as ServiceManifest;
    const ivc = manifest.ivc;
    const main = join(dir, name, manifest.main ?? "dist/main.js");
    if (!ivc?.healthPortEnv || !existsSync(main)) continue;
    entries.push({
      name,
      main,
      healthPortEnv: ivc.healthPortEnv,
      healthPortDefault: ivc.healthPortDefault ?? 0,
      startOrder: ivc.startOrder ?? 99,
      nodeArgs: ivc.nodeArgs ?? [],
    });
  }
  return entries.sort((a, b) => a.startOrder - b.startOrder);
}
