import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkManifest, encodeBundle, isSafeBundlePath, verifyBundle } from "../src/release/bundle-format.js";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const services = { svc: { version: "1.0.0", main: "svc/main.js", healthPort: 9000 } };
const files = [
  { path: "svc/main.js", data: Buffer.from("console.log(1)\n") },
  { path: "svc/lib/util.js", data: Buffer.from("export {}\n") },
];

describe("bundle format", () => {
  it("round-trips files and manifest through encode and verify", () => {
    const checked = verifyBundle(encodeBundle({ version: "1.0.0", services, notes: "n" }, files, privateKey), publicKey);
    expect(checked.ok && checked.value.files.map((f) => [f.path, f.data.toString()])).toEqual(files.map((f) => [f.path, f.data.toString()]));
    expect(checked.ok && checked.value.manifest).toMatchObject({ format: 1, version: "1.0.0", services, notes: "n" });
  });

  it("rejects truncation, trailing bytes, bad magic and a changed manifest", () => {
    const bytes = encodeBundle({ version: "1.0.0", services }, files, privateKey);
    expect(verifyBundle(bytes.subarray(0, bytes.length - 1), publicKey)).toEqual({ ok: false, reason: "bundle is truncated inside svc/lib/util.js" });
    expect(verifyBundle(Buffer.concat([bytes, Buffer.from("x")]), publicKey)).toEqual({ ok: false, reason: "bundle has 1 trailing bytes" });
    expect(verifyBundle(Buffer.from("hello"), publicKey)).toEqual({ ok: false, reason: "not a bundle (bad magic)" });
    const forged = Buffer.from(bytes.toString("latin1").replace('"version":"1.0.0"', '"version":"9.0.0"'), "latin1");
    expect(verifyBundle(forged, publicKey)).toMatchObject({ ok: false, reason: expect.stringMatching(/^bad signature/) });
    const huge = Buffer.from(bytes);
    huge.writeUInt32BE(0xffffffff, 8);
    expect(verifyBundle(huge, publicKey)).toEqual({ ok: false, reason: "manifest length exceeds the limit" });
  });

  it("accepts only relative paths that stay inside the install directory", () => {
    for (const bad of ["../etc/passwd", "/etc/passwd", "a/../../b", "a//b", "a\\\\b", "", "./a"]) expect(isSafeBundlePath(bad)).toBe(false);
    expect(isSafeBundlePath("services/edge-agent/dist/main.js")).toBe(true);
    expect(() => encodeBundle({ version: "1", services: {} }, [{ path: "../x", data: Buffer.alloc(0) }], privateKey)).toThrow(/unsafe file path/);
  });

  it("checks that every service runs a file of the bundle on a valid port", () => {
    const base = { format: 1, version: "1", createdAt: 0, files: [{ path: "m.js", size: 0, sha256: "0".repeat(64) }] };
    expect(checkManifest({ ...base, services: { s: { version: "1", main: "other.js", healthPort: 80 } } })).toEqual({ ok: false, reason: "service s main is not a file of the bundle" });
    expect(checkManifest({ ...base, services: { s: { version: "1", main: "m.js", healthPort: 0 } } })).toEqual({ ok: false, reason: "service s has no valid healthPort" });
    expect(checkManifest({ ...base, services: { S: { version: "1", main: "m.js", healthPort: 80 } } })).toMatchObject({ ok: false });
    expect(checkManifest({ ...base, services: { s: { version: "1", main: "m.js", healthPort: 80 } } }).ok).toBe(true);
  });
});
