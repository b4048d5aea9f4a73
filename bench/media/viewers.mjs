// Worker thread: one HTTP-FLV viewer per stream, counting the bytes each receives. Running here
// keeps their CPU off the relay's process. These are the Node load generator's viewers
// (load-generator.mjs); loadgen.c has its own.
import { get } from "node:http";
import { parentPort, workerData } from "node:worker_threads";

const viewers = new Map();
/** Viewers refused (non-200) or whose body ended while they should still be watching. */
const failures = [];

function add(streamId) {
  const viewer = { bytes: 0, request: undefined, closing: false };
  viewers.set(streamId, viewer);
  const failed = (why) => {
    if (!viewer.closing && viewers.get(streamId) === viewer) failures.push(`${streamId}: ${why}`);
  };
  viewer.request = get(`${workerData.base}${workerData.prefix ?? "/live/"}${streamId}.live.flv`, { agent: false }, (res) => {
    if (res.statusCode !== 200) {
      failed(`HTTP ${res.statusCode}`);
      res.resume();
      return;
    }
    res.on("data", (chunk) => (viewer.bytes += chunk.length));
    res.on("end", () => failed("stream ended"));
    res.on("error", () => failed("connection broken"));
  });
  viewer.request.on("error", (err) => failed(err.message));
}

function remove(streamId) {
  const viewer = viewers.get(streamId);
  if (viewer === undefined) return;
  viewer.closing = true;
  viewers.delete(streamId);
  viewer.request.destroy();
}

parentPort.on("message", ({ id, cmd, args }) => {
  let result;
  if (cmd === "add") args.forEach(add);
  else if (cmd === "remove") args.forEach(remove);
  else if (cmd === "stats") result = { bytes: Object.fromEntries([...viewers].map(([streamId, v]) => [streamId, v.bytes])), failures: [...failures] };
  else if (cmd === "stop") [...viewers.keys()].forEach(remove);
  parentPort.postMessage({ id, result });
  if (cmd === "stop") process.exit(0);
});
