import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signStreamPath, verifyStreamSignature } from "../src/auth/stream-sign.js";

const path = "/live/34020000001320000001";

describe("signed stream URLs", () => {
  it("produces node-media-server's sign value: expires-md5(path-expires-secret)", () => {
    const md5 = createHash("md5").update(`${path}-1700000000-nodemedia2017privatekey`).digest("hex");
    expect(signStreamPath(path, "nodemedia2017privatekey", 1_700_000_000)).toBe(`1700000000-${md5}`);
  });

  it("accepts its own signature until and including the expiry second", () => {
    const sign = signStreamPath(path, "s3cret", 1000);
    expect(verifyStreamSignature(path, `sign=${sign}`, "s3cret", 999)).toEqual({ ok: true, expiresAt: 1000 });
    expect(verifyStreamSignature(path, new URLSearchParams({ sign }), "s3cret", 1000).ok).toBe(true);
    expect(verifyStreamSignature(path, `sign=${sign}`, "s3cret", 1001)).toEqual({ ok: false, reason: "expired" });
  });

  it("names why a signature fails", () => {
    const sign = signStreamPath(path, "s3cret", 5000);
    expect(verifyStreamSignature(path, "", "s3cret", 0)).toEqual({ ok: false, reason: "missing" });
    expect(verifyStreamSignature(path, undefined, "s3cret", 0)).toEqual({ ok: false, reason: "missing" });
    expect(verifyStreamSignature(path, "sign=abc", "s3cret", 0)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyStreamSignature(path, "sign=5000-xyz", "s3cret", 0)).toEqual({ ok: false, reason: "malformed" });
    expect(verifyStreamSignature(path, `sign=${sign}`, "other", 0)).toEqual({ ok: false, reason: "mismatch" });
    expect(verifyStreamSignature("/live/34020000001320000002", `sign=${sign}`, "s3cret", 0)).toEqual({ ok: false, reason: "mismatch" });
    const tampered = sign.replace(/^5000/, "9000");
    expect(verifyStreamSignature(path, `sign=${tampered}`, "s3cret", 0)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuses a non-integer expiry as a programming error", () => {
    expect(() => signStreamPath(path, "s", 1.5)).toThrow(RangeError);
  });
});
