import { readFile } from "node:fs/promises";
import type { DetectType } from "@ivc/bus";
import { InferenceSession, Tensor } from "onnxruntime-node";
import type { Detection, Detector, PictureSize } from "./detector.js";

/**
 * What `Name` a class index of a user's model reports, per DetectType (docs/api-decisions.md "User
 * ONNX models"). Spec 04 documents person (Body), cat/dog (Pet) and vehicle (Car); the other types'
 * names are undocumented, so they report the type's own name. Rows of any other class are dropped:
 * a model may also see "no mask" or "no hat", and those are not the thing the DetectType asks for.
 */
export const ONNX_CLASS_NAMES: Record<DetectType, readonly string[]> = {
  Body: ["person"],
  Pet: ["cat", "dog"],
  Car: ["vehicle"],
  Facemask: ["facemask"],
  Chefhat: ["chefhat"],
  Chefcloth: ["chefcloth"],
  Smoking: ["smoking"],
  PhoneCall: ["phonecall"],
};

export interface OnnxDetectorOptions {
  /** Rows below this score (0–1) are dropped. */
  minScore?: number;
  maxDetections?: number;
}

/**
 * A user-supplied ONNX model for one DetectType, run with onnxruntime-node on its bundled CPU
 * provider. The contract (docs/api-decisions.md): one float32 input NCHW [1,3,H,W] with fixed H and
 * W, RGB scaled to 0..1; one float32 output [N,6] or [1,N,6] of final boxes (its own NMS done)
 * `x1,y1,x2,y2,score,class`, corners normalised 0..1 to the input picture.
 */
export class OnnxDetector implements Detector {
  private constructor(
    private readonly session: InferenceSession,
    private readonly type: DetectType,
    readonly inputSize: PictureSize,
    private readonly options: Required<OnnxDetectorOptions>,
  ) {}

  /** Throws when the file cannot be read or parsed, or its input is not the contract's. */
  static async load(path: string, type: DetectType, options: OnnxDetectorOptions = {}): Promise<OnnxDetector> {
    // One thread: the relay and the recorder keep the box's other cores (start-analyser.ts).
    const session = await InferenceSession.create(await readFile(path), { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: "all" });
    try {
      const input = session.inputMetadata[0];
      if (session.inputNames.length !== 1 || session.outputNames.length !== 1 || input === undefined) {
        throw new Error(`the model must have one input and one output, it has ${session.inputNames.length} and ${session.outputNames.length}`);
      }
      const [n, c, h, w] = input.isTensor ? input.shape : [];
      const fixed = (d: number | string | undefined): d is number => typeof d === "number" && Number.isSafeInteger(d) && d > 0 && d <= 4096;
      if (!input.isTensor || input.type !== "float32" || input.shape.length !== 4 || (n !== 1 && typeof n !== "string") || c !== 3 || !fixed(h) || !fixed(w)) {
        const shape = input.isTensor ? `${input.type} [${input.shape.join(",")}]` : "not a tensor";
        throw new Error(`the model's input must be float32 [1,3,H,W] with fixed H and W, it is ${shape}`);
      }
      return new OnnxDetector(session, type, { width: w, height: h }, { minScore: options.minScore ?? 0.5, maxDetections: options.maxDetections ?? 100 });
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  async detect(rgb: Buffer, width: number, height: number): Promise<Detection[]> {
    const { width: w, height: h } = this.inputSize;
    const plane = w * h;
    if (rgb.length !== plane * 3) throw new Error(`expected ${plane * 3} RGB bytes for ${w}×${h}, got ${rgb.length}`);
    // RGB24 interleaved (HWC) → planar CHW, 0..1.
    const pixels = new Float32Array(plane * 3);
    for (let i = 0; i < plane; i++) {
      pixels[i] = rgb[i * 3]! / 255;
      pixels[plane + i] = rgb[i * 3 + 1]! / 255;
      pixels[2 * plane + i] = rgb[i * 3 + 2]! / 255;
    }
    const outputs = await this.session.run({ [this.session.inputNames[0]!]: new Tensor("float32", pixels, [1, 3, h, w]) });
    const output = outputs[this.session.outputNames[0]!]!;
    try {
      const dims = output.dims;
      const rows = dims.length === 2 ? dims[0]! : dims[1]!;
      if (output.type !== "float32" || !((dims.length === 2 && dims[1] === 6) || (dims.length === 3 && dims[0] === 1 && dims[2] === 6))) {
        throw new Error(`the model's output must be float32 [N,6] or [1,N,6], it is ${output.type} [${dims.join(",")}]`);
      }
      return decodeRows(output.data as Float32Array, rows, ONNX_CLASS_NAMES[this.type], width, height, this.options);
    } finally {
      output.dispose();
    }
  }

  /** The model answers its one DetectType only. */
  select(type: DetectType, found: readonly Detection[]): Detection[] {
    return type === this.type ? [...found] : [];
  }
}

const unit = (v: number) => Math.min(1, Math.max(0, v));

/** `x1,y1,x2,y2,score,class` rows (corners 0..1) → boxes in frame pixels, best first. */
function decodeRows(data: Float32Array, rows: number, names: readonly string[], width: number, height: number, options: Required<OnnxDetectorOptions>): Detection[] {
  const found: Detection[] = [];
  for (let r = 0; r < rows; r++) {
    const [x1 = 0, y1 = 0, x2 = 0, y2 = 0, score = Number.NaN, cls = Number.NaN] = data.subarray(r * 6, r * 6 + 6);
    const name = Number.isInteger(cls) ? names[cls] : undefined;
    // NaN scores fail this test too.
    if (name === undefined || !(score >= options.minScore)) continue;
    const x = Math.round(unit(Math.min(x1, x2)) * width);
    const y = Math.round(unit(Math.min(y1, y2)) * height);
    found.push({ name, score: Math.round(unit(score) * 100), x, y, width: Math.round(unit(Math.max(x1, x2)) * width) - x, height: Math.round(unit(Math.max(y1, y2)) * height) - y });
  }
  return found.sort((a, b) => b.score - a.score).slice(0, options.maxDetections);
}
