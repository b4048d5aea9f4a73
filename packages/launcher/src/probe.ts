import { connect } from "node:net";

/**
 * Opens a TCP connection, optionally writes `send`, and resolves true when the first bytes read
 * start with `expect` (or, with no `expect`, when the connection opens). Never rejects.
 */
export function probeTcp(host: string, port: number, opts: { send?: string; expect?: string; timeoutMs?: number } = {}): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let done = false;
    const finish = (result: boolean) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(opts.timeoutMs ?? 1000, () => finish(false));
    socket.once("error", () => finish(false));
    socket.once("connect", () => {
      if (opts.expect === undefined) return finish(true);
      if (opts.send) socket.write(opts.send);
    });
    let seen = "";
    socket.on("data", (chunk: Buffer) => {
      seen += chunk.toString("latin1");
      if (seen.length >= (opts.expect ?? "").length) finish(seen.startsWith(opts.expect ?? ""));
    });
  });
}

/** A NATS server greets every client with an INFO line. */
export function natsAnswers(host: string, port: number): Promise<boolean> {
  return probeTcp(host, port, { expect: "INFO " });
}

export function redisAnswers(host: string, port: number): Promise<boolean> {
  return probeTcp(host, port, { send: "PING\r\n", expect: "+PONG" });
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return check();
}

export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127\./.test(host);
}
