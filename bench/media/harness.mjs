// What the media benches (run.mjs, churn.mjs, ../recording/live.mjs) share: the relay in its own child process,
// request/response over IPC or postMessage, the fake sip-server, and an HTTP-FLV viewer that
// leaves at its first keyframe.
import { fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { get } from "node:http";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { sipBye, sipInvite } from "@ivc/bus";
import { FlvKeyframeWatcher } from "./flv-keyframe.mjs";

export const here = (file) => new URL(file, import.meta.url);

/** The relay's own Node flags (package.json `ivc.nodeArgs`), as the launcher and systemd run it. */
export const relayNodeArgs = JSON.parse(readFileSync(here("../../services/media-relay/package.json"), "utf8")).ivc.nodeArgs ?? [];

/** Request/response over postMessage (workers) or IPC (the relay process). */
export function rpc(target) {
  let next = 0;
  const waiting = new Map();
  target.on("message", (message) => {
    const done = waiting.get(message.id);
    waiting.delete(message.id);
    done?.(message.result);
  });
  const post = target instanceof Worker ? (m) => target.postMessage(m) : (m) => target.send(m);
  return (cmd, args) =>
    new Promise((resolve) => {
      const id = ++next;
      waiting.set(id, resolve);
      post({ id, cmd, args });
    });
}

/**
 * Forks relay-process.mjs with `env` added to this process's environment and `execArgv` as its
 * Node flags; resolves once the relay listens, with its RPC and HTTP base URL.
 */
export async function startRelayProcess({ env, execArgv }) {
  const child = fork(here("relay-process.mjs"), { env: { ...process.env, ...env }, execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const ready = await new Promise((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`relay process exited with ${code}`)));
  });
  return { child, call: rpc(child), base: `http://127.0.0.1:${ready.httpPort}` };
}

/**
 * The fake sip-server: an INVITE is answered by a camera (of the load generator's `senders`) that starts
 * sending to the leased port from a keyframe, the way a camera answers; a BYE stops that camera
 * and is then reported to `onBye` with its stream id.
 */
export function fakeSignaling(bus, clusterId, senders, onBye = () => undefined) {
  return [
    bus.reply(sipInvite, { clusterId }, async (req) => {
      await senders("add", [{ key: req.streamId, port: req.mediaPort, ssrc: Number(req.ssrc), startAtKeyframe: true }]);
      return { callId: `bench-${req.streamId}` };
    }),
    bus.reply(sipBye, { clusterId }, async (req) => {
      const streamId = req.callId.replace(/^bench-/, "");
      await senders("remove", [streamId]);
      onBye(streamId);
      return { sent: true };
    }),
  ];
}

/**
 * Opens an HTTP-FLV URL and leaves at the first complete video keyframe tag. Resolves with the
 * time that took (`ms`), or the reason it failed (`error`).
 */
export function firstKeyframeOf(url, timeoutMs) {
  return new Promise((resolve) => {
    const started = performance.now();
    const watcher = new FlvKeyframeWatcher();
    const finish = (ms, error) => {
      clearTimeout(timer);
      req.destroy();
      resolve({ ms, error });
    };
    const timer = setTimeout(() => finish(undefined, "timeout"), timeoutMs);
    const req = get(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) return finish(undefined, `HTTP ${res.statusCode}`);
      res.on("data", (chunk) => {
        if (watcher.push(chunk)) finish(performance.now() - started);
      });
    });
    req.on("error", (err) => finish(undefined, err.message));
  });
}

/** UDP datagrams the kernel dropped for a full receive buffer, machine-wide (/proc/net/snmp). */
export function kernelUdpDrops() {
  const lines = readFileSync("/proc/net/snmp", "utf8").split("\n").filter((l) => l.startsWith("Udp:"));
  const [names, values] = lines.map((l) => l.split(/\s+/));
  return Number(values?.[names?.indexOf("RcvbufErrors") ?? -1] ?? 0);
}

/**
 * The streams a bench keeps running, in `ids` (in order): each opened on the target as signaling
 * opens it (`open(streamId)` → its port and SSRC), fed by a camera of the load generator's `senders`
 * (GOP phases spread) and watched by one HTTP-FLV viewer of its `viewers` (load-generator.mjs). `name(i)` is the i-th
 * stream's id.
 */
export function streamLoad({ open, close, senders, viewers, name = (i) => `bench${String(i).padStart(5, "0")}` }) {
  const ids = [];
  return {
    ids,
    async grow(count) {
      const added = [];
      for (let i = ids.length; i < count; i += 16) {
        const batch = Array.from({ length: Math.min(16, count - i) }, (_, k) => name(i + k));
        const replies = await Promise.all(batch.map((streamId) => open(streamId)));
        await senders("add", replies.map((reply, k) => ({ key: batch[k], port: reply.port, ssrc: Number(reply.ssrc), phase: (i + k) * 7 })));
        await viewers("add", batch);
        added.push(...batch);
        ids.push(...batch);
      }
      return added;
    },
    async shrink(count) {
      const removed = ids.splice(count);
      await viewers("remove", removed);
      await senders("remove", removed);
      await Promise.all(removed.map((streamId) => close(streamId)));
    },
  };
}
