import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * A self-signed certificate for `names` (subject CN the first, every name a DNS SAN, `*.` wildcards
 * allowed) made by openssl for this test run: no private key is committed.
 */
export function makeCertificate(names: readonly string[], options: { days?: number; key?: "ec" | "rsa" } = {}): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "ivc-cert-"));
  try {
    const key = options.key === "rsa" ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
    execFileSync(
      "openssl",
      [
        "req", "-x509", ...key, "-nodes",
        "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
        "-days", String(options.days ?? 30),
        "-subj", `/CN=${names[0] ?? "test"}`,
        "-addext", `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}`,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    return { certPem: readFileSync(join(dir, "cert.pem"), "utf8"), keyPem: readFileSync(join(dir, "key.pem"), "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
