import { describe, expect, it } from "vitest";
import { answerQuery, defaultRecordings, parseTimeZone, PresetTable, recordItemsInRange } from "../src/index.js";
import type { DeviceProfile } from "../src/index.js";
import { buildPresetQuery, buildRecordInfoQuery, parseManscdp } from "@ivc/gb28181";

const CHANNEL = "34020000001310000001";

describe("defaultRecordings", () => {
  it("holds one 55-minute recording per hour over the last 24 hours", () => {
    const now = 1_700_003_000;
    const recordings = defaultRecordings(now);
    expect(recordings).toHaveLength(24);
    expect(recordings.every((r) => r.start % 3600 === 0 && r.end - r.start === 3300)).toBe(true);
    expect(recordings[23]!.end).toBeLessThanOrEqual(now);
    expect(recordings[0]!.start).toBeGreaterThanOrEqual(now - 25 * 3600);
  });
});

describe("recordItemsInRange", () => {
  it("lists overlapping recordings with local times at the device's offset", () => {
    const items = recordItemsInRange(CHANNEL, [{ start: 1_699_977_600, end: 1_699_981_200 }, { start: 0, end: 10 }], 1_699_980_000, 1_699_990_000, 480);
    expect(items).toEqual([expect.objectContaining({ deviceId: CHANNEL, startTime: "2023-11-15T00:00:00", endTime: "2023-11-15T01:00:00", type: "time" })]);
  });
});

describe("parseTimeZone", () => {
  it("reads ±HH:MM and refuses the rest", () => {
    expect(parseTimeZone("+08:00")).toBe(480);
    expect(parseTimeZone("-03:30")).toBe(-210);
    expect(parseTimeZone("8")).toBeUndefined();
    expect(parseTimeZone("+15:00")).toBeUndefined();
  });
});

describe("answerQuery for RecordInfo and PresetQuery", () => {
  const profile: DeviceProfile = {
    deviceId: "34020000001320000001",
    name: "IPC",
    manufacturer: "IVC",
    model: "SIM",
    firmware: "V1",
    charset: "GB2312",
    catalogPage: 4,
    recordPage: 2,
    presetPage: 2,
    utcOffsetMinutes: 480,
  };
  const presets = new PresetTable([1, 2, 3].map((index) => ({ index, name: `预置点${index}` })));
  const store = { recordings: () => [0, 1, 2, 3, 4].map((i) => ({ start: 1_699_977_600 + i * 600, end: 1_699_977_600 + i * 600 + 300 })), presets: (c: string) => presets.list(c) };

  it("splits RecordInfo into pages that all carry SumNum", () => {
    const query = parseManscdp(buildRecordInfoQuery({ sn: 9, deviceId: CHANNEL, startTime: "2023-11-15T00:00:00", endTime: "2023-11-15T23:59:59" }));
    if (!query.ok) throw new Error(query.reason);
    const parts = answerQuery(query, profile, [], new Date(), store).map((body) => parseManscdp(body));
    expect(parts).toHaveLength(3);
    expect(parts.map((p) => (p.ok && p.kind === "Response" && p.cmdType === "RecordInfo" ? [p.sn, p.sumNum, p.items.length] : undefined))).toEqual([
      [9, 5, 2],
      [9, 5, 2],
      [9, 5, 1],
    ]);
  });

  it("splits PresetQuery into pages with SumNum, and the preset table follows set/delete", () => {
    presets.apply(CHANNEL, { type: "preset", action: "set", index: 9 });
    expect(presets.apply(CHANNEL, { type: "preset", action: "delete", index: 2 })).toBe(true);
    expect(presets.apply(CHANNEL, { type: "preset", action: "goto", index: 2 })).toBe(false);
    const query = parseManscdp(buildPresetQuery({ sn: 4, deviceId: CHANNEL }));
    if (!query.ok) throw new Error(query.reason);
    const parts = answerQuery(query, profile, [], new Date(), store).map((body) => parseManscdp(body));
    const items = parts.flatMap((p) => (p.ok && p.kind === "Response" && p.cmdType === "PresetQuery" ? p.items : []));
    expect(parts.map((p) => (p.ok && p.kind === "Response" && p.cmdType === "PresetQuery" ? p.sumNum : undefined))).toEqual([3, 3]);
    expect(items).toEqual([
      { presetId: "1", presetName: "预置点1" },
      { presetId: "3", presetName: "预置点3" },
      { presetId: "9", presetName: "预置点9" },
    ]);
  });
});
