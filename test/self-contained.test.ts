import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const repoRoot = join(import.meta.dirname, "..");

/**
 * A user's clone has nothing beside it: no file of the repository may refer to the folder the
 * project is developed beside (the pattern is built from parts so this file does not match itself).
 */
const outsideRef = new RegExp(["\\.\\.", "shared"].join("/") + "|" + ["shared", "testdata"].join("/"));

function trackedFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot });
  return out.toString("utf8").split("\0").filter((name) => name !== "");
}

describe("the repository is self-contained", () => {
  it("no tracked file refers to a path outside the repository", () => {
    const offenders = trackedFiles().filter((name) => {
      try {
        return outsideRef.test(readFileSync(join(repoRoot, name), "latin1"));
      } catch {
        return false; // listed but deleted in the work tree
      }
    });
    expect(offenders).toEqual([]);
  });

  it("keeps the 49 RFC 4475 torture messages inside the repository", () => {
    const messages = trackedFiles().filter((name) => name.startsWith("packages/sip/test/fixtures/rfc4475/") && name.endsWith(".dat"));
    expect(messages).toHaveLength(49);
  });
});
