import { chmod, rm } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { join } from "node:path";
import type { CommandResult } from "./commands.js";

/**
 * While the API holds the PGlite directory, `ivc` commands run inside the API: the CLI sends its
 * arguments over this Unix socket in that directory and prints the answer. Only the directory's
 * owner can reach it (the directory is 0700, the socket 0600) — the same people who could open the
 * database files themselves. One JSON line each way.
 */
export const ADMIN_SOCKET_FILE = ".ivc-admin.sock";
/** sockaddr_un holds 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH_BYTES = 107;
const MAX_REQUEST_BYTES = 64 * 1024;

export function adminSocketPath(pgliteDir: string): string {
  return join(pgliteDir, ADMIN_SOCKET_FILE);
}

export interface AdminRequest {
  readonly argv: readonly string[];
  /** The caller's IVC_RELEASE_PUBLIC_KEY (an absolute path or the key itself), for `release publish`. */
  readonly releasePublicKey?: string | undefined;
}

function parseRequest(text: string): AdminRequest | undefined {
  try {
    const value = JSON.parse(text) as { argv?: unknown; releasePublicKey?: unknown };
    if (!Array.isArray(value.argv) || !value.argv.every((a) => typeof a === "string")) return undefined;
    if (value.releasePublicKey !== undefined && typeof value.releasePublicKey !== "string") return undefined;
    return { argv: value.argv as string[], releasePublicKey: value.releasePublicKey };
  } catch {
    return undefined;
  }
}

export interface AdminSocket {
  close(): Promise<void>;
}

/** Serves `run` on the socket; whoever holds the PGlite lock may replace a socket file left behind. */
export async function serveAdminSocket(path: string, run: (request: AdminRequest) => Promise<CommandResult>): Promise<AdminSocket> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) throw new Error(`admin socket path ${path} is longer than ${MAX_SOCKET_PATH_BYTES} bytes; use a shorter IVC_VAR_DIR or PGLITE_DIR`);
  await rm(path, { force: true });
  const server = createServer((socket) => {
    let received = "";
    socket.setEncoding("utf8");
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: string) => {
      received += chunk;
      if (received.length > MAX_REQUEST_BYTES) return void socket.end(`${JSON.stringify({ ok: false, reason: "request too large" })}\n`);
      const newline = received.indexOf("\n");
      if (newline < 0) return;
      socket.pause();
      const request = parseRequest(received.slice(0, newline));
      const answer = request ? run(request) : Promise.resolve<CommandResult>({ ok: false, reason: "malformed admin request" });
      void answer
        .catch((err: unknown): CommandResult => ({ ok: false, reason: `the API failed to run the command: ${err instanceof Error ? err.message : String(err)}` }))
        .then((result) => socket.end(`${JSON.stringify(result)}\n`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  await chmod(path, 0o600);
  return {
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(path, { force: true });
    },
  };
}

/** The API's answer; undefined when no API listens on `path` (none runs, or it is still starting). */
export function sendAdminCommand(path: string, request: AdminRequest): Promise<CommandResult | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let received = "";
    let connected = false;
    socket.setEncoding("utf8");
    socket.on("connect", () => {
      connected = true;
      socket.write(`${JSON.stringify(request)}\n`);
    });
    socket.on("data", (chunk: string) => (received += chunk));
    socket.on("end", () => {
      try {
        resolve(JSON.parse(received) as CommandResult);
      } catch {
        reject(new Error(`the API at ${path} answered something that is not a command result`));
      }
    });
    socket.on("error", (err: NodeJS.ErrnoException) => {
      if (!connected && (err.code === "ENOENT" || err.code === "ECONNREFUSED")) resolve(undefined);
      else reject(new Error(`admin socket ${path}: ${err.message}`));
    });
  });
}
