import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { DetectType } from "@ivc/bus";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { loadGraphModel, type GraphModel } from "@tensorflow/tfjs-converter";
import * as tf from "@tensorflow/tfjs-core";
import type { Detection, Detector } from "./detector.js";

/**
 * COCO labels of the CenterNet model in @vladmandic/human (its src/object/labels.ts order; the
 * model's class output is an index into this list).
 */
const COCO = [
  "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light", "fire hydrant", "stop sign", "parking meter", "bench",
  "bird", "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella", "handbag", "tie", "suitcase", "frisbee", "skis",
  "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle", "wine glass", "cup", "fork", "knife",
  "spoon", "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant", "bed",
  "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone", "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock",
  "vase", "scissors", "teddy bear", "hair drier", "toothbrush",
] as const;

/** Which COCO classes answer which DetectType; names are reported as detected (cat, dog, bus …). */
export const COCO_CLASSES: Partial<Record<DetectType, readonly string[]>> = {
  Body: ["person"],
  Pet: ["cat", "dog"],
  Car: ["car", "bus", "truck", "motorcycle"],
};

export interface CocoDetectorOptions {
  /** Boxes below this confidence (0–1) are dropped. */
  minScore?: number;
  maxDetections?: number;
  iouThreshold?: number;
}

/** The model's square input side (its signature says 512). */
const COCO_INPUT_SIZE = 512;

/**
 * CenterNet (MobileNetV3) COCO detector shipped inside the @vladmandic/human npm package, run on
 * tfjs's WebAssembly backend: weights load from node_modules, nothing is fetched at run time.
 * Human's own loader fetches model URLs, which Node's fetch cannot do for file://, so the graph is
 * loaded here from memory and decoded as Human's src/object/centernet.ts does.
 */
export class CocoDetector implements Detector {
  readonly inputSize = { width: COCO_INPUT_SIZE, height: COCO_INPUT_SIZE };

  private constructor(
    private readonly model: GraphModel,
    private readonly options: Required<CocoDetectorOptions>,
  ) {}

  static async load(options: CocoDetectorOptions = {}): Promise<CocoDetector> {
    const require = createRequire(import.meta.url);
    // The package's "exports" has no "./" subpaths, so only its main entry resolves; the models sit beside dist/.
    const modelDir = join(dirname(require.resolve("@vladmandic/human")), "..", "models");
    setWasmPaths(`${dirname(require.resolve("@tensorflow/tfjs-backend-wasm"))}/`);
    await tf.setBackend("wasm");
    await tf.ready();
    const manifest = JSON.parse(await readFile(join(modelDir, "centernet.json"), "utf8")) as {
      modelTopology: object;
      weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
    };
    const weightSpecs = manifest.weightsManifest.flatMap((g) => g.weights);
    const weights = await Promise.all(manifest.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(join(modelDir, p))));
    const joined = Buffer.concat(weights);
    const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength);
    const model = await loadGraphModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs, weightData }));
    return new CocoDetector(model, { minScore: options.minScore ?? 0.3, maxDetections: options.maxDetections ?? 50, iouThreshold: options.iouThreshold ?? 0.4 });
  }

  async detect(rgb: Buffer, width: number, height: number): Promise<Detection[]> {
    const size = COCO_INPUT_SIZE;
    const pixels = Float32Array.from(rgb);
    const output = tf.tidy(() => this.model.execute(tf.tensor4d(pixels, [1, size, size, 3]), ["tower_0/detections"]) as tf.Tensor);
    const rows = ((await output.array()) as number[][][])[0] ?? [];
    output.dispose();
    const boxes = tf.tensor2d(rows.map((r) => [r[1]!, r[0]!, r[3]!, r[2]!]), [rows.length, 4]);
    const scores = tf.tensor1d(rows.map((r) => r[4]!));
    const kept = await tf.image.nonMaxSuppressionAsync(boxes, scores, this.options.maxDetections, this.options.iouThreshold, this.options.minScore);
    const ids = Array.from(await kept.data());
    tf.dispose([boxes, scores, kept]);
    const sx = width / size;
    const sy = height / size;
    return ids.flatMap((id) => {
      const [x1 = 0, y1 = 0, x2 = 0, y2 = 0, score = 0, cls = Number.NaN] = rows[id] ?? [];
      const name = COCO[cls];
      if (name === undefined) return [];
      const x = Math.max(0, Math.round(x1 * sx));
      const y = Math.max(0, Math.round(y1 * sy));
      return [{ name, score: Math.round(score * 100), x, y, width: Math.max(0, Math.round(x2 * sx) - x), height: Math.max(0, Math.round(y2 * sy) - y) }];
    });
  }

  /** The detections that answer `type` (COCO_CLASSES); none for a type COCO does not cover. */
  select(type: DetectType, found: readonly Detection[]): Detection[] {
    const classes = COCO_CLASSES[type] ?? [];
    return found.filter((d) => classes.includes(d.name));
  }
}
