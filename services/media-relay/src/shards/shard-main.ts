// A shard process of the media relay: owns the streams placement.ts gives it. Forked by shard 0
// (shards/shard-pool.ts), which listens on the public ports and passes viewers' connections here.
import type { Socket } from "node:net";
import { BusHandlerError } from "@ivc/bus";
import { startServiceShell } from "@ivc/runtime";
import { mediaRelayEnv } from "../config.js";
import { relayDepsOf, startMediaRelay } from "../relay.js";
import { isToShard, type FromShard, type ShardOp } from "./shard-protocol.js";

const VERSION = "0.1.0";
const index = Number(process.env.IVC_RELAY_SHARD);
const count = Number(process.env.IVC_RELAY_SHARDS);
const frontPort = Number(process.env.IVC_RELAY_FRONT_PORT);

const shell = await startServiceShell({ service: "media-relay", version: VERSION, env: mediaRelayEnv, redis: true });
const logger = shell.logger.child({ shard: index });
const relay = await startMediaRelay({ ...relayDepsOf(shell), logger, shard: { index, count, frontPort } });
shell.lifecycle.onClose("media-relay shard", () => relay.close());
// Shard 0 gone (its IPC channel closed): nothing can reach this process's streams any more.
process.on("disconnect", () => void shell.lifecycle.shutdown(0));

const send = (message: FromShard): void => {
  if (process.connected) process.send!(message);
};

async function answer(op: ShardOp, body: unknown): Promise<unknown> {
  if (op === "metrics") return shell.metrics.metrics();
  if (op === "stats") return relay.stats();
  if (op === "recordings") return relay.recordings();
  const handler = relay.requests[op] as (request: unknown) => Promise<unknown>;
  return handler(body);
}

process.on("message", (message: unknown, handle: unknown) => {
  if (!isToShard(message)) return;
  if (message.t === "connection") {
    relay.accept(handle as Socket, Buffer.from(message.head, "base64"));
    return;
  }
  const { id, op, body } = message;
  answer(op, body).then(
    (data) => send({ t: "reply", id, ok: true, data }),
    (err: unknown) => {
      if (!(err instanceof BusHandlerError)) logger.warn({ op, err: err instanceof Error ? err.message : String(err) }, "shard request failed");
      send({ t: "reply", id, ok: false, code: err instanceof BusHandlerError ? err.code : "internal", message: err instanceof Error ? err.message : String(err) });
    },
  );
});
send({ t: "ready", internalPort: relay.httpPort });
logger.info({ internalPort: relay.httpPort, pid: process.pid }, "media-relay shard ready");
