import { spawn } from "node:child_process";
import { connectNats } from "@ivc/bus";
import type { ConnectOptions } from "@ivc/bus";
import { freePort } from "./ports.js";

/**
 * A nats-server of this test file's own, for suites that answer or send site-wide subjects
 * (`api.gateway.activate`, the API's `ANY_CLUSTER` replies): on the shared NATS_URL server another
 * file's stand-in would answer this file's requests too (with a refusal for a key it never issued).
 */
export interface PrivateNats {
  readonly url: string;
  stop(): Promise<void>;
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
