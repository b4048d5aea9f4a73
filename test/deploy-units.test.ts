import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const repoRoot = join(import.meta.dirname, "..");

interface Manifest {
  main?: string;
  scripts?: Record<string, string>;
  ivc?: { nodeArgs?: string[] };
}

const services = readdirSync(join(repoRoot, "services"))
  .filter((name) => existsSync(join(repoRoot, "services", name, "package.json")))
  .map((name) => ({ name, manifest: JSON.parse(readFileSync(join(repoRoot, "services", name, "package.json"), "utf8")) as Manifest }))
  .filter(({ manifest }) => manifest.ivc !== undefined);

/**
 * `npm start` (the launcher) reads a service's Node flags from its package.json; systemd units and
 * the workspace start scripts spell them out, and must not drift from it.
 */
describe("each service runs with the same Node flags however it is started", () => {
  it.each(services.map((s) => [s.name, s.manifest] as const))("%s", (name, manifest) => {
    const flags = manifest.ivc?.nodeArgs ?? [];
    const main = manifest.main ?? "dist/main.js";
    expect(manifest.scripts?.start).toBe(["node", ...flags, main].join(" "));
    const unit = join(repoRoot, "deploy/systemd", `ivc-${name}.service`);
    if (!existsSync(unit)) return;
    const execStart = readFileSync(unit, "utf8").match(/^ExecStart=(.*)$/m)?.[1];
    expect(execStart).toBe(["/usr/bin/node", ...flags, `/opt/ivc/services/${name}/${main}`].join(" "));
  });
});
