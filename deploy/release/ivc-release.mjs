#!/usr/bin/env node
// Release tooling for edge-box bundles (format: deploy/release/README.md). Needs the built
// edge-agent (`npx tsc -b services/edge-agent`), whose bundle code it uses so the box and this
// tool can never disagree on the format.
//
//   ivc-release keygen --out DIR                      release.key (0600) + release.pub
//   ivc-release stage --out DIR                       copy the box's runtime files from this repo
//   ivc-release build --from DIR --services FILE --version V --key release.key --out X.ivcb [--notes TEXT]
//   ivc-release verify BUNDLE --pub release.pub
//   ivc-release publish BUNDLE --pub release.pub --to RELEASES_DIR
//   ivc-release install BUNDLE --pub release.pub --root /opt/ivc-edge   first install on a box (deploy/edge/install.sh)
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dist = join(repo, "services/edge-agent/dist/release");
if (!existsSync(join(dist, "bundle-format.js"))) {
  process.stderr.write("services/edge-agent is not built: run `npx tsc -b services/edge-agent` first\n");
  process.exit(69);
}
const { verifyBundle, sha256Hex } = await import(join(dist, "bundle-format.js"));
const { buildBundleFromDirectory } = await import(join(dist, "build-bundle.js"));
const { generateReleaseKeyPair, loadReleasePrivateKey, loadReleasePublicKey } = await import(join(dist, "release-keys.js"));
const { VersionStore } = await import(join(repo, "services/edge-agent/dist/upgrade/version-store.js"));

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: "string" },
    from: { type: "string" },
    services: { type: "string" },
    version: { type: "string" },
    key: { type: "string" },
    pub: { type: "string" },
    to: { type: "string" },
    notes: { type: "string" },
    root: { type: "string" },
  },
});
const [command, target] = positionals;

function need(name) {
  const value = values[name];
  if (!value) {
    process.stderr.write(`${command}: --${name} is required\n`);
    process.exit(64);
  }
  return value;
}

function verifiedOrExit(path) {
  const checked = verifyBundle(readFileSync(path), loadReleasePublicKey(need("pub")));
  if (!checked.ok) {
    process.stderr.write(`${path}: REJECTED: ${checked.reason}\n`);
    process.exit(1);
  }
  return checked.value;
}

function verifyOrExit(path) {
  return verifiedOrExit(path).manifest;
}

/** Packages the box needs at run time: the agent, our packages it imports, and their npm dependencies. */
function stage(out) {
  const copied = new Set();
  const copyPackage = (name, from) => {
    if (copied.has(name)) return;
    copied.add(name);
    const pkg = JSON.parse(readFileSync(join(from, "package.json"), "utf8"));
    const to = join(out, "node_modules", name);
    if (name.startsWith("@ivc/")) {
      mkdirSync(to, { recursive: true });
      copyFileSync(join(from, "package.json"), join(to, "package.json"));
      cpSync(join(from, "dist"), join(to, "dist"), { recursive: true });
    } else {
      cpSync(from, to, { recursive: true, dereference: true });
    }
    for (const dep of Object.keys(pkg.dependencies ?? {})) copyPackage(dep, resolvePackage(dep));
  };
  const agent = join(repo, "services/edge-agent");
  mkdirSync(join(out, "services/edge-agent"), { recursive: true });
  copyFileSync(join(agent, "package.json"), join(out, "services/edge-agent/package.json"));
  cpSync(join(agent, "dist"), join(out, "services/edge-agent/dist"), { recursive: true });
  const agentPkg = JSON.parse(readFileSync(join(agent, "package.json"), "utf8"));
  for (const dep of Object.keys(agentPkg.dependencies)) copyPackage(dep, resolvePackage(dep));
  return { "edge-agent": { version: agentPkg.version, main: "services/edge-agent/dist/main.js", healthPort: agentPkg.ivc.healthPortDefault, healthPortEnv: agentPkg.ivc.healthPortEnv } };
}

function resolvePackage(name) {
  const dir = join(repo, "node_modules", name);
  if (!existsSync(join(dir, "package.json"))) throw new Error(`${name} is not installed in ${repo}/node_modules`);
  return dir;
}

switch (command) {
  case "keygen": {
    const out = need("out");
    mkdirSync(out, { recursive: true });
    const pair = generateReleaseKeyPair();
    writeFileSync(join(out, "release.key"), pair.privateKeyPem, { mode: 0o600 });
    chmodSync(join(out, "release.key"), 0o600);
    writeFileSync(join(out, "release.pub"), pair.publicKeyPem);
    process.stdout.write(`wrote ${join(out, "release.key")} (keep it off the boxes) and ${join(out, "release.pub")} (install on every box)\n`);
    break;
  }
  case "stage": {
    const out = resolve(need("out"));
    const services = stage(join(out, "root"));
    writeFileSync(join(out, "services.json"), JSON.stringify(services, null, 2));
    process.stdout.write(`staged ${join(out, "root")}; next: ivc-release build --from ${join(out, "root")} --services ${join(out, "services.json")} --version V --key release.key --out edge-V.ivcb\n`);
    break;
  }
  case "build": {
    const services = JSON.parse(readFileSync(need("services"), "utf8"));
    const bytes = await buildBundleFromDirectory(
      need("from"),
      { version: need("version"), services, ...(values.notes ? { notes: values.notes } : {}) },
      loadReleasePrivateKey(need("key")),
    );
    writeFileSync(need("out"), bytes);
    process.stdout.write(`${values.out}: ${bytes.length} bytes, sha256 ${sha256Hex(bytes)}\n`);
    break;
  }
  case "verify": {
    if (!target) process.exit(64);
    const manifest = verifyOrExit(target);
    const services = Object.entries(manifest.services).map(([n, s]) => `${n} ${s.version}`).join(", ");
    process.stdout.write(`${target}: OK: version ${manifest.version}, ${manifest.files.length} files, services: ${services}\n`);
    break;
  }
  case "publish": {
    if (!target) process.exit(64);
    const manifest = verifyOrExit(target);
    const to = need("to");
    mkdirSync(to, { recursive: true });
    const file = `${manifest.version}.ivcb`;
    copyFileSync(target, join(to, file));
    const latest = {
      version: manifest.version,
      file,
      sha256: sha256Hex(readFileSync(join(to, file))),
      services: Object.fromEntries(Object.entries(manifest.services).map(([n, s]) => [n, s.version])),
      notes: manifest.notes ?? "",
      publishedAt: Date.now(),
    };
    writeFileSync(join(to, "latest.json.tmp"), JSON.stringify(latest, null, 2));
    renameSync(join(to, "latest.json.tmp"), join(to, "latest.json"));
    process.stdout.write(`published ${manifest.version} as the latest release in ${to}\n`);
    break;
  }
  case "install": {
    if (!target) process.exit(64);
    const bundle = verifiedOrExit(target);
    const store = new VersionStore(need("root"));
    await store.install(bundle);
    await store.switchTo(bundle.manifest.version);
    process.stdout.write(`installed ${bundle.manifest.version} under ${values.root}; current -> versions/${bundle.manifest.version}\n`);
    break;
  }
  default:
    process.stderr.write("usage: ivc-release keygen|stage|build|verify|publish|install (see the header of this file)\n");
    process.exit(64);
}
