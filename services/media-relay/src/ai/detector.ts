import type { DetectType } from "@ivc/bus";

/** One box in frame pixels, `score` 0–100. */
export interface Detection {
  name: string;
  score: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PictureSize {
  width: number;
  height: number;
}

/**
 * A model the analyser can run on a snapshot: the bundled COCO detector or a user's ONNX file.
 * The keyframe decoder scales the frame to `inputSize` (RGB24, aspect not kept) once per snapshot
 * for every detector that shares that size.
 */
export interface Detector {
  readonly inputSize: PictureSize;
  /** `rgb`: `inputSize` RGB24 pixels of a frame `width`×`height`; boxes come back in frame pixels. */
  detect(rgb: Buffer, width: number, height: number): Promise<Detection[]>;
  /** The boxes of one `detect` run that answer `type` (one run can serve several DetectTypes). */
  select(type: DetectType, found: readonly Detection[]): Detection[];
}
