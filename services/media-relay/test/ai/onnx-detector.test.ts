import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "@ivc/runtime";
import { afterAll, describe, expect, it, vi } from "vitest";
import { decodeKeyframe } from "../../src/ai/keyframe-decoder.js";
import { OnnxDetector } from "../../src/ai/onnx-detector.js";
import { modelResolver } from "../../src/ai/start-analyser.js";
import { brightnessModel, type TestModelOptions } from "../support/onnx-model.js";

// User ONNX models on onnxruntime-node's CPU provider: a model built by the test (its one box scores
// the frame's brightness) run on keyframes that ffmpeg encodes and the relay's decoder scales.

const dir = mkdtempSync(join(tmpdir(), "ivc-onnx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function modelFile(name: string, options: TestModelOptions = {}): string {
  const path = join(dir, name);
  writeFileSync(path, brightnessModel(options));
  return path;
}

/** One H.264 IDR (Annex-B, with SPS/PPS) of a 640×360 frame of one colour. */
function keyframe(colour: string): Buffer {
  return execFileSync("ffmpeg", ["-v", "error", "-f", "lavfi", "-i", `color=c=${colour}:s=640x360`, "-frames:v", "1", "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-f", "h264", "pipe:1"]);
}

async function detectOn(detector: OnnxDetector, colour: string) {
  const decoded = await decodeKeyframe("H264", keyframe(colour), { detectSizes: [detector.inputSize] });
  expect(decoded.rgb[0]!.length).toBe(detector.inputSize.width * detector.inputSize.height * 3);
  return detector.detect(decoded.rgb[0]!, 640, 360);
}

describe("ONNX detector", () => {
  it("reads the input size from the model, fires on a bright frame and not on a dark one", async () => {
    const detector = await OnnxDetector.load(modelFile("mask.onnx"), "Facemask");
    expect(detector.inputSize).toEqual({ width: 128, height: 96 });
    const bright = await detectOn(detector, "white");
    // Box corners 0.25..0.75 of the input, in frame pixels; score = mean brightness ≈ 100.
    expect(bright).toEqual([{ name: "facemask", score: expect.any(Number) as number, x: 160, y: 90, width: 320, height: 180 }]);
    expect(bright[0]!.score).toBeGreaterThanOrEqual(95);
    expect(await detectOn(detector, "black")).toEqual([]);
    // Mid grey scores ≈ 50: the 0.5 threshold decides; a darker grey stays below it.
    expect(await detectOn(detector, "0x404040")).toEqual([]);
    expect(detector.select("Facemask", bright)).toEqual(bright);
    expect(detector.select("Smoking", bright)).toEqual([]);
  });

  it("takes [N,6] as well as [1,N,6], names Pet's classes and drops classes the type has no name for", async () => {
    const pet = await OnnxDetector.load(modelFile("dog.onnx", { batched: false, classIndex: 1, width: 64, height: 64, box: [0.75, 0.5, 0.25, 1] }), "Pet");
    expect(pet.inputSize).toEqual({ width: 64, height: 64 });
    // Corners given the wrong way round are put in order.
    expect(await detectOn(pet, "white")).toEqual([expect.objectContaining({ name: "dog", x: 160, y: 180, width: 320, height: 180 })]);
    const other = await OnnxDetector.load(modelFile("nomask.onnx", { classIndex: 1 }), "Facemask");
    expect(await detectOn(other, "white")).toEqual([]);
  });

  it("fails a frame, rather than guess, when the model's rows are not 6 wide", async () => {
    const narrow = await OnnxDetector.load(modelFile("narrow.onnx", { box: [0.1, 0.1, 0.9] }), "Chefcloth");
    await expect(detectOn(narrow, "white")).rejects.toThrow(/\[N,6\] or \[1,N,6\], it is float32 \[1,1,5\]/);
  });

  it("refuses a model whose input has no fixed size, and files that are not models", async () => {
    await expect(OnnxDetector.load(modelFile("dynamic.onnx", { dynamicSize: true }), "Smoking")).rejects.toThrow(/fixed H and W/);
    const corrupt = join(dir, "corrupt.onnx");
    writeFileSync(corrupt, "not a model");
    await expect(OnnxDetector.load(corrupt, "Smoking")).rejects.toThrow();
    await expect(OnnxDetector.load(join(dir, "missing.onnx"), "Smoking")).rejects.toThrow(/ENOENT/);
  });

  it("loads each configured model once, logs a model that cannot load with its path, and then serves nothing for that type", async () => {
    const logger = createLogger("relay-onnx-test", "silent");
    const errors = vi.spyOn(logger, "error");
    const missing = join(dir, "absent.onnx");
    const resolve = modelResolver({ Chefhat: modelFile("hat.onnx"), PhoneCall: missing }, logger);
    const hat = await resolve("Chefhat");
    expect(hat).toBeInstanceOf(OnnxDetector);
    expect(await resolve("Chefhat")).toBe(hat);
    expect(await resolve("PhoneCall")).toBeUndefined();
    expect(await resolve("PhoneCall")).toBeUndefined();
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0]![0]).toMatchObject({ stage: "ai model load", detectType: "PhoneCall", path: missing });
    // A type with neither an ONNX file nor COCO coverage has no model at all.
    expect(await resolve("Smoking")).toBeUndefined();
  });
});
