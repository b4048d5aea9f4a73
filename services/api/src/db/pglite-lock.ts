import { createHash } from "node:crypto";
import { realpath } from "node:fs/promises";
import { createServer } from "node:net";

/**
 * Only one process may open a PGlite directory: a second writer silently loses its writes (issue 12).
 * The lock is a Linux abstract socket named after the directory: binding it is atomic, and the
 * kernel releases it when its holder exits — even by kill -9 — so there is never a stale lock.
 */
export interface PgliteLock {
  release(): Promise<void>;
}

export class PgliteBusyError extends Error {
  constructor(readonly dir: string) {
    super(
      `the PGlite database ${dir} is held by another process (a running API, or another ivc command); ` +
        "while the API runs, `npm run ivc -w @ivc/api -- …` works through it; set DATABASE_URL to share a PostgreSQL database instead",
    );
    this.name = "PgliteBusyError";
  }
}

async function lockName(dir: string): Promise<string> {
  const digest = createHash("sha256").update(await realpath(dir)).digest("hex");
  return `\0ivc-pglite-${digest.slice(0, 40)}`;
}

/** The lock, or undefined when another process holds it. */
export async function tryLockPgliteDir(dir: string): Promise<PgliteLock | undefined> {
  const name = await lockName(dir);
  const server = createServer((socket) => socket.destroy());
  const bound = await new Promise<boolean>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" ? resolve(false) : reject(err)));
    server.listen(name, () => resolve(true));
  });
  if (!bound) return undefined;
  // The lock must not keep a finished CLI alive.
  server.unref();
  return { release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Waits up to `waitMs` for the lock (an `ivc` command holds it for a moment); throws PgliteBusyError after. */
export async function lockPgliteDir(dir: string, waitMs: number): Promise<PgliteLock> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lock = await tryLockPgliteDir(dir);
    if (lock) return lock;
    if (Date.now() >= deadline) throw new PgliteBusyError(dir);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
