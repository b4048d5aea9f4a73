import { cocoDetectTypes, parseOnnxModels, type Bus, type DetectType } from "@ivc/bus";
import type { Logger, Registry } from "@ivc/runtime";
import type { MediaRelayConfig } from "../config.js";
import { segmentStorageFrom } from "../recording/recording-config.js";
import type { StreamRegistry } from "../stream-registry.js";
import { Analyser, createAnalyserMetrics } from "./analyser.js";
import { CocoDetector } from "./coco-detector.js";
import type { Detector } from "./detector.js";
import { OnnxDetector } from "./onnx-detector.js";

/** How often the API is asked what to analyse: the OperTimeslot edges and A7 "off" take effect within this. */
export const AI_POLL_MS = 5000;

/**
 * Which model answers each DetectType on this relay: the user's ONNX file when `AI_ONNX_MODELS`
 * names one (parsed as the API parses it, so both agree on what is served), else the bundled COCO
 * detector for Body/Pet/Car, else none. Each loads once, on first need; a model that cannot load is
 * logged once with its path and its type reports nothing from then on (the file is not retried
 * until the relay restarts).
 */
export function modelResolver(onnxModels: Partial<Record<DetectType, string>>, logger: Logger): (type: DetectType) => Promise<Detector | undefined> {
  let coco: Promise<Detector | undefined> | undefined;
  const onnx = new Map<DetectType, Promise<Detector | undefined>>();
  return (type) => {
    const path = onnxModels[type];
    if (path !== undefined) {
      let loading = onnx.get(type);
      if (loading === undefined) {
        loading = OnnxDetector.load(path, type).then(
          (detector) => {
            logger.info({ stage: "ai model load", detectType: type, path, input: detector.inputSize }, "user ONNX model loaded");
            return detector;
          },
          (err: Error) => {
            logger.error({ stage: "ai model load", detectType: type, path, err: err.message }, "the ONNX model could not load; this DetectType reports nothing");
            return undefined;
          },
        );
        onnx.set(type, loading);
      }
      return loading;
    }
    if (!cocoDetectTypes.includes(type)) return Promise.resolve(undefined);
    return (coco ??= CocoDetector.load().catch((err: Error) => {
      logger.error({ stage: "ai model load", model: "coco", err: err.message }, "the COCO detector could not load; Body, Pet and Car report nothing");
      return undefined;
    }));
  };
}

/**
 * The relay's AI analyser over the recorder's streams, writing snapshots to the recordings'
 * storage. Models (tfjs WebAssembly COCO ~0.5 s to load, ONNX files) load on the first AI snapshot
 * that needs them; if one cannot load, snapshots are still stored and its types report nothing.
 */
export async function startAnalyser(deps: { config: MediaRelayConfig; bus: Bus; clusterId: string; registry: StreamRegistry; logger: Logger; metrics: Registry; pollMs?: number }): Promise<Analyser> {
  const analyser = new Analyser({
    bus: deps.bus,
    clusterId: deps.clusterId,
    streams: deps.registry,
    storage: await segmentStorageFrom(deps.config),
    logger: deps.logger,
    metrics: createAnalyserMetrics(deps.metrics),
    detectorFor: modelResolver(parseOnnxModels(deps.config.AI_ONNX_MODELS), deps.logger),
    pollMs: deps.pollMs ?? AI_POLL_MS,
    // One at a time: on a two-core box the relay and the recorder keep the other core.
    maxConcurrent: 1,
  });
  analyser.start();
  return analyser;
}
