import { describe, expect, it } from "vitest";
import { catalogEntryKind } from "../src/catalog-entry-kind.js";
import { parseManscdp } from "../src/manscdp-parse.js";
import { hikvisionPlatformCatalog } from "./fixtures/manscdp-captures.js";

describe("catalogEntryKind (GB/T 28181-2016 Table D.1 type digits 11–13)", () => {
  it("sorts a Hikvision platform catalog: 3 cameras, 7 directory entries", () => {
    const parsed = parseManscdp(hikvisionPlatformCatalog("34020000002000000002", 7));
    if (!parsed.ok || parsed.cmdType !== "Catalog" || parsed.kind !== "Response") throw new Error("catalog did not parse");
    expect(parsed.items.map((item) => [item.deviceId, item.name, catalogEntryKind(item)])).toEqual([
      ["3402", "合肥市", "civil-code"],
      ["340201", "瑶海区", "civil-code"],
      ["34020000002150000001", "园区监控", "business-group"],
      ["34020000002160000001", "一号楼", "virtual-organization"],
      ["34020000002160000002", "仓库", "virtual-organization"],
      ["34020000001310000001", "一楼大厅", "video-channel"],
      ["34020000001310000002", "后门", "video-channel"],
      ["34020000001320000003", "仓库通道", "video-channel"],
      ["34020000001340000001", "前门门磁", "alarm-input"],
      ["34020000001340000002", "仓库红外", "alarm-input"],
    ]);
  });

  it.each([
    ["34020000001110000001", undefined, "device"],
    ["34020000001180000001", true, "device"],
    ["34020000002000000001", undefined, "other"],
    ["34020000001350000001", false, "other"],
    // Home-made codes: a leaf is a channel (firmwares that ignore Table D.1), a parent is not.
    ["34020000000000000001", false, "video-channel"],
    ["34020000000000000001", true, "other"],
    ["camera-1", undefined, "video-channel"],
  ] as const)("%s (Parental %s) is %s", (deviceId, parental, kind) => {
    expect(catalogEntryKind({ deviceId, ...(parental === undefined ? {} : { parental }) })).toBe(kind);
  });
});
