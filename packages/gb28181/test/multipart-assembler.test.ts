import { describe, expect, it } from "vitest";
import { MultipartAssembler } from "../src/multipart-assembler.js";
import { createCatalogAssembler, createPresetAssembler, createRecordInfoAssembler } from "../src/multipart-kinds.js";

const DEVICE = "34020000001110000001";
const item = (n: number, name = `cam${n}`) => ({ deviceId: `3402000000132000000${n}`, name });

describe("MultipartAssembler", () => {
  it("completes when unique items reach SumNum across parts", () => {
    const assembler = createCatalogAssembler();
    assembler.start(DEVICE, 1, 0);
    expect(assembler.add(DEVICE, 1, { sumNum: 3, items: [item(1), item(2)] }, 100)).toEqual({ status: "pending", received: 2, sumNum: 3 });
    const outcome = assembler.add(DEVICE, 1, { sumNum: 3, items: [item(3)] }, 200);
    expect(outcome).toEqual({ status: "complete", result: { deviceId: DEVICE, sn: 1, sumNum: 3, partial: false, items: [item(1), item(2), item(3)] } });
    expect(assembler.pendingCount).toBe(0);
  });

  it("counts items actually received, not duplicates resent by the device (last wins)", () => {
    const assembler = createCatalogAssembler();
    assembler.add(DEVICE, 2, { sumNum: 2, items: [item(1, "old")] }, 0);
    expect(assembler.add(DEVICE, 2, { sumNum: 2, items: [item(1, "new")] }, 10)).toMatchObject({ status: "pending", received: 1 });
    const outcome = assembler.add(DEVICE, 2, { sumNum: 2, items: [item(2)] }, 20);
    expect(outcome).toMatchObject({ status: "complete", result: { items: [item(1, "new"), item(2)] } });
  });

  it("returns what arrived, flagged partial, when SumNum is never reached before the deadline", () => {
    const assembler = createCatalogAssembler();
    assembler.start(DEVICE, 3, 1_000);
    assembler.add(DEVICE, 3, { sumNum: 40, items: [item(1)] }, 2_000);
    expect(assembler.nextDeadline()).toBe(12_000);
    expect(assembler.expire(11_999)).toEqual([]);
    expect(assembler.expire(12_000)).toEqual([{ deviceId: DEVICE, sn: 3, sumNum: 40, partial: true, items: [item(1)] }]);
    expect(assembler.nextDeadline()).toBeUndefined();
  });

  it("expires a query that never got any answer with no items", () => {
    const assembler = createCatalogAssembler({ timeoutMs: 500 });
    assembler.start(DEVICE, 4, 0);
    expect(assembler.expire(500)).toEqual([{ deviceId: DEVICE, sn: 4, partial: true, items: [] }]);
  });

  it("completes immediately on SumNum 0", () => {
    expect(createCatalogAssembler().add(DEVICE, 5, { sumNum: 0, items: [] }, 0)).toMatchObject({ status: "complete", result: { partial: false, items: [] } });
  });

  it("keeps assemblies for different SNs and devices apart", () => {
    const assembler = createCatalogAssembler();
    assembler.add(DEVICE, 6, { sumNum: 2, items: [item(1)] }, 0);
    assembler.add("other", 6, { sumNum: 2, items: [item(2)] }, 0);
    assembler.add(DEVICE, 7, { sumNum: 2, items: [item(3)] }, 0);
    expect(assembler.pendingCount).toBe(3);
    expect(assembler.add(DEVICE, 6, { sumNum: 2, items: [item(4)] }, 0)).toMatchObject({ status: "complete", result: { items: [item(1), item(4)] } });
  });

  it("uses the largest SumNum announced", () => {
    const assembler = createCatalogAssembler();
    assembler.add(DEVICE, 8, { sumNum: 3, items: [item(1)] }, 0);
    expect(assembler.add(DEVICE, 8, { sumNum: 1, items: [item(2)] }, 0)).toMatchObject({ status: "pending", sumNum: 3 });
  });

  it("bounds pending assemblies and items per assembly", () => {
    const assembler = new MultipartAssembler<{ id: string }>({ itemKey: (entry) => entry.id, maxPending: 1, maxItems: 2 });
    expect(assembler.start("a", 1, 0)).toMatchObject({ status: "pending" });
    expect(assembler.start("b", 1, 0)).toMatchObject({ status: "rejected" });
    const outcome = assembler.add("a", 1, { sumNum: 10, items: [{ id: "1" }, { id: "2" }, { id: "3" }] }, 0);
    expect(outcome).toMatchObject({ status: "complete", result: { partial: true, items: [{ id: "1" }, { id: "2" }] } });
  });

  it("cancels an assembly", () => {
    const assembler = createCatalogAssembler();
    assembler.start(DEVICE, 9, 0);
    expect(assembler.cancel(DEVICE, 9)).toBe(true);
    expect(assembler.expire(1e9)).toEqual([]);
  });

  it("reuses the same logic for RecordInfo, keyed by time span", () => {
    const assembler = createRecordInfoAssembler();
    const record = (start: string) => ({ deviceId: DEVICE, startTime: start, endTime: start.replace("00:00", "30:00") });
    assembler.add(DEVICE, 10, { sumNum: 2, items: [record("2024-03-01T01:00:00")] }, 0);
    assembler.add(DEVICE, 10, { sumNum: 2, items: [record("2024-03-01T01:00:00")] }, 0);
    expect(assembler.add(DEVICE, 10, { sumNum: 2, items: [record("2024-03-01T02:00:00")] }, 0)).toMatchObject({ status: "complete" });
  });

  it("reuses the same logic for PresetQuery, keyed by PresetID", () => {
    const assembler = createPresetAssembler();
    assembler.add(DEVICE, 11, { sumNum: 2, items: [{ presetId: "1" }] }, 0);
    expect(assembler.add(DEVICE, 11, { sumNum: 2, items: [{ presetId: "2", presetName: "b" }] }, 0)).toMatchObject({
      status: "complete",
      result: { items: [{ presetId: "1" }, { presetId: "2", presetName: "b" }] },
    });
  });
});
