import type { Bus } from "@ivc/bus";
import type { Logger, Registry } from "@ivc/runtime";
import type { MediaRelayConfig } from "../config.js";
import { segmentStorageFrom } from "../recording/recording-config.js";
import type { StreamRegistry } from "../stream-registry.js";
import { Analyser, createAnalyserMetrics } from "./analyser.js";
import { CocoDetector } from "./coco-detector.js";

/** How often the API is asked what to analyse: the OperTimeslot edges and A7 "off" take effect within this. */
export const AI_POLL_MS = 5000;

/**
 * The relay's AI analyser over the recorder's streams, writing snapshots to the recordings'
 * storage. The detector (tfjs WebAssembly, ~0.5 s to load) loads on the first AI snapshot; if it
 * cannot load, snapshots are still stored and AI templates report nothing.
 */
export async function startAnalyser(deps: { config: MediaRelayConfig; bus: Bus; clusterId: string; registry: StreamRegistry; logger: Logger; metrics: Registry; pollMs?: number }): Promise<Analyser> {
  let loading: Promise<CocoDetector | undefined> | undefined;
  const detector = () =>
    (loading ??= CocoDetector.load().catch((err: Error) => {
      deps.logger.error({ stage: "ai detector", err: err.message }, "the COCO detector could not load; AI detection is off");
      return undefined;
    }));
  const analyser = new Analyser({
    bus: deps.bus,
    clusterId: deps.clusterId,
    streams: deps.registry,
    storage: await segmentStorageFrom(deps.config),
    logger: deps.logger,
    metrics: createAnalyserMetrics(deps.metrics),
    detector,
    pollMs: deps.pollMs ?? AI_POLL_MS,
    // One at a time: on a two-core box the relay and the recorder keep the other core.
    maxConcurrent: 1,
  });
  analyser.start();
  return analyser;
}
