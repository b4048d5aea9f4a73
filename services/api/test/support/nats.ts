import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { connectNats } from "@ivc/bus";
import type { ConnectOptions } from "@ivc/bus";

/**
 * A nats-server of this test file's own. `api.stream.authorize` has one subject for the whole
 * site, so on the shared NATS_URL server other suites' stand-in responders (media-relay tests fake
 * the API) would answer this file's requests too.
 */
export interface PrivateNats {
  readonly url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no TCP port");
  return address.port;
}

export async function startPrivateNats(logger: ConnectOptions["logger"]): Promise<PrivateNats> {
  const port = await freePort();
  const child = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const url = `nats://127.0.0.1:${port}`;
  // connectNats waits for the first connection, so this returns once the server listens.
  const probe = await Promise.race([connectNats({ url, name: "probe", logger }), exited.then(() => undefined)]);
  if (!probe) throw new Error("nats-server exited at start (is it installed?)");
  await probe.close();
  return {
    url,
    async stop() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
