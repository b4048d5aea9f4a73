import { fork, type ChildProcess } from "node:child_process";
import type { Socket } from "node:net";
import { BusHandlerError } from "@ivc/bus";
import { restartDelayMs, type Logger } from "@ivc/runtime";
import { isFromShard, type ShardAnswer, type ShardOp, type ShardStats, type ToShard } from "./shard-protocol.js";

export interface ShardPoolOptions {
  /** Shards in all, counting the listening process as shard 0: `count - 1` processes are forked. */
  count: number;
  /** The shard process's script (dist/shards/shard-main.js). */
  entry: string;
  /** Environment of the shard processes (the relay's own, plus IVC_RELAY_SHARD). */
  env: NodeJS.ProcessEnv;
  /** Node flags of the shard processes; by default this process's own (the relay's ivc.nodeArgs). */
  execArgv?: string[];
  logger: Logger;
  requestTimeoutMs?: number;
  /** How long a shard may take to start (connect NATS and Redis, listen) before start() fails. */
  startTimeoutMs?: number;
}

interface Pending {
  shard: number;
  resolve(data: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

interface Shard {
  index: number;
  child?: ChildProcess;
  internalPort?: number;
  restarts: number;
  startedAt: number;
}

/** A shard that ran this long before it died starts its back-off afresh. */
const STABLE_RUN_MS = 60_000;

/**
 * The shard processes of one relay, seen from shard 0 (the process that listens on the public
 * ports). Each shard owns the streams placement.ts gives it: their RTP sockets, demuxers, GOP
 * caches and viewers, so ingest and fan-out run on as many cores as there are shards. A shard that
 * dies is started again with back-off; its streams end with it (their devices are invited anew
 * by the next viewer), and requests for them are answered "unknown stream" meanwhile.
 */
export class ShardPool {
  private readonly shards: Shard[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing = false;
  private frontPort = 0;

  constructor(private readonly options: ShardPoolOptions) {
    for (let index = 1; index < options.count; index++) this.shards.push({ index, restarts: 0, startedAt: 0 });
  }

  get count(): number {
    return this.options.count;
  }

  /** Forks every shard and resolves once all listen; `frontPort` is shard 0's HTTP port. */
  async start(frontPort: number): Promise<void> {
    this.frontPort = frontPort;
    await Promise.all(this.shards.map((shard) => this.spawn(shard)));
  }

  /** Shards that are up and listening (for /healthz). */
  get ready(): number {
    return this.shards.filter((s) => s.internalPort !== undefined).length;
  }

  /** The loopback port shard `index`'s HTTP server listens on (internal pulls, TLS proxying). */
  internalPort(index: number): number | undefined {
    return this.shards[index - 1]?.internalPort;
  }

  /** Hands a viewer's connection to shard `index`; false when the shard is not up. */
  handOff(index: number, socket: Socket, head: Buffer): boolean {
    const child = this.shards[index - 1]?.child;
    if (child === undefined || !child.connected || this.shards[index - 1]!.internalPort === undefined) return false;
    const message: ToShard = { t: "connection", head: head.toString("base64") };
    child.send(message, socket, {}, (err) => {
      if (err !== null) socket.destroy();
    });
    return true;
  }

  /** A request to one shard; a failure it answers with a code arrives as BusHandlerError. */
  request<T>(index: number, op: ShardOp, body: unknown): Promise<T> {
    const shard = this.shards[index - 1];
    const child = shard?.child;
    if (shard === undefined || child === undefined || !child.connected || shard.internalPort === undefined) {
      return Promise.reject(new BusHandlerError("unknown_stream", `relay shard ${index} is not running`));
    }
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new BusHandlerError("timeout", `relay shard ${index} did not answer ${op} in time`));
      }, this.options.requestTimeoutMs ?? 5000);
      this.pending.set(id, { shard: index, resolve: resolve as (data: unknown) => void, reject, timer });
      const message: ToShard = { t: "request", id, op, body };
      child.send(message, undefined, {}, (err) => {
        if (err === null) return;
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new BusHandlerError("unknown_stream", `relay shard ${index}: ${err.message}`));
      });
    });
  }

  /** The same request to every shard process, with each one's answer or failure, in shard order. */
  async eachShard<T>(op: ShardOp): Promise<Array<ShardAnswer<T>>> {
    const answers = await Promise.allSettled(this.shards.map((s) => this.request<T>(s.index, op, {})));
    return answers.map((a, i) => (a.status === "fulfilled" ? { shard: i + 1, ok: true, value: a.value } : { shard: i + 1, ok: false, error: (a.reason as Error).message }));
  }

  /** The same request to every running shard (metrics, stats); shards that fail are left out. */
  async fromEach<T>(op: ShardOp): Promise<T[]> {
    return (await this.eachShard<T>(op)).flatMap((a) => (a.ok ? [a.value] : []));
  }

  stats(): Promise<ShardStats[]> {
    return this.fromEach<ShardStats>("stats");
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.shards.map(async (shard) => {
        const child = shard.child;
        if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise<void>((done) => child.once("exit", () => done()));
        child.kill("SIGTERM");
        const force = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(force);
      }),
    );
  }

  private spawn(shard: Shard): Promise<void> {
    const { logger } = this.options;
    // stdin is a pipe from here: a shard whose listening relay is gone (even by SIGKILL) exits.
    const child = fork(this.options.entry, [], {
      env: { ...this.options.env, IVC_RELAY_SHARD: String(shard.index), IVC_RELAY_SHARDS: String(this.options.count), IVC_RELAY_FRONT_PORT: String(this.frontPort), IVC_LAUNCHED: "1" },
      execArgv: this.options.execArgv ?? process.execArgv,
      stdio: ["pipe", "inherit", "inherit", "ipc"],
    });
    shard.child = child;
    shard.startedAt = Date.now();
    return new Promise<void>((resolve, reject) => {
      const startTimer = setTimeout(() => {
        reject(new Error(`relay shard ${shard.index} did not start within ${this.options.startTimeoutMs ?? 60_000} ms`));
        child.kill("SIGKILL");
      }, this.options.startTimeoutMs ?? 60_000);
      child.on("message", (message: unknown) => {
        if (!isFromShard(message)) return;
        if (message.t === "ready") {
          shard.internalPort = message.internalPort;
          clearTimeout(startTimer);
          logger.info({ shard: shard.index, pid: child.pid, internalPort: message.internalPort }, "relay shard ready");
          resolve();
          return;
        }
        const waiting = this.pending.get(message.id);
        if (waiting === undefined) return;
        this.pending.delete(message.id);
        clearTimeout(waiting.timer);
        if (message.ok) waiting.resolve(message.data);
        else waiting.reject(new BusHandlerError(message.code, message.message));
      });
      child.once("exit", (code, signal) => {
        clearTimeout(startTimer);
        shard.child = undefined;
        shard.internalPort = undefined;
        reject(new Error(`relay shard ${shard.index} exited during start (${signal ?? code})`));
        if (this.closing) return;
        if (Date.now() - shard.startedAt > STABLE_RUN_MS) shard.restarts = 0;
        for (const [id, waiting] of this.pending) {
          if (waiting.shard !== shard.index) continue;
          this.pending.delete(id);
          clearTimeout(waiting.timer);
          waiting.reject(new BusHandlerError("unknown_stream", `relay shard ${shard.index} exited`));
        }
        const delay = restartDelayMs(shard.restarts++);
        logger.error({ shard: shard.index, pid: child.pid, code, signal, restartInMs: delay }, "relay shard exited; its streams ended with it");
        setTimeout(() => {
          if (!this.closing) this.spawn(shard).catch((err: Error) => logger.error({ shard: shard.index, err: err.message }, "relay shard restart failed"));
        }, delay).unref();
      });
    });
  }
}
