// The media benches' load: the simulated cameras and the HTTP-FLV viewers. In the C load generator
// (loadgen.c, through c-loadgen.mjs) when this machine can build it: it costs a small part of the
// CPU the Node worker threads (senders.mjs, viewers.mjs) take, so on a shared 2-core machine it
// can load the relay further before it falls behind itself. BENCH_MEDIA_LOADGEN=c|node forces one.
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { buildCLoadgen, startCLoadgen } from "./c-loadgen.mjs";
import { here, rpc } from "./harness.mjs";

/** The senders.mjs and viewers.mjs workers (the latter only with `base`), in the shape of startCLoadgen's. */
function startWorkers({ clipPath, base, prefix }) {
  const senderWorker = new Worker(here("senders.mjs"), { workerData: { clipPath } });
  const viewerWorker = base === undefined ? undefined : new Worker(here("viewers.mjs"), { workerData: { base, prefix } });
  const senders = rpc(senderWorker);
  const viewers = viewerWorker === undefined ? undefined : rpc(viewerWorker);
  return {
    name: "Node worker threads (senders.mjs, viewers.mjs)",
    senders,
    viewers,
    usage: () => ({ at: performance.now(), bench: process.cpuUsage(), senders: senderWorker.performance.eventLoopUtilization(), viewers: viewerWorker?.performance.eventLoopUtilization() }),
    /** The bench process's CPU (the workers are its threads), and how busy each worker's event loop was. */
    loadBetween(a, b) {
      const busy = (worker, key) => (worker === undefined ? "-" : `${(worker.performance.eventLoopUtilization(b[key], a[key]).utilization * 100).toFixed(0)} %`);
      const cpuMs = (b.bench.user + b.bench.system - a.bench.user - a.bench.system) / 1000;
      return { cpu: (cpuMs / (b.at - a.at)) * 100, detail: `cameras ${busy(senderWorker, "senders")} / viewers ${busy(viewerWorker, "viewers")} busy` };
    },
    async stop() {
      if (viewers !== undefined) await viewers("stop");
      await senders("stop");
    },
  };
}

/**
 * Starts the cameras, and with `base` the viewers (of `${base}${prefix}<streamId>.live.flv`).
 * Resolves to { name, senders(cmd, args), viewers(cmd, args), usage(), loadBetween(a, b) → { cpu
 * (% of one core), detail }, stop() }; prints which generator runs.
 */
export async function startLoadGenerator({ clipPath, base, prefix }) {
  const wanted = process.env.BENCH_MEDIA_LOADGEN;
  if (wanted !== undefined && wanted !== "c" && wanted !== "node") throw new Error("BENCH_MEDIA_LOADGEN must be c or node");
  let why = "";
  if (wanted !== "node") {
    let binary;
    try {
      binary = buildCLoadgen();
    } catch (err) {
      if (wanted === "c") throw err;
      why = ` (${err.message})`;
    }
    if (binary !== undefined) {
      const generator = await startCLoadgen({ binary, clipPath, base, prefix });
      console.log(`load generator: ${generator.name}`);
      return generator;
    }
  }
  const generator = startWorkers({ clipPath, base, prefix });
  console.log(`load generator: ${generator.name}${why}`);
  return generator;
}
