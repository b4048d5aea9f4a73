import { describe, expect, it } from "vitest";
import {
  buildCatalogQuery,
  buildCatalogResponse,
  createCatalogAssembler,
  decodeXmlBody,
  parseGbCode,
  parseManscdp,
} from "../src/index.js";
import type { CatalogItem } from "../src/index.js";

describe("public API", () => {
  it("runs a catalog exchange end to end: query, multi-part GB2312 answer, assembly", () => {
    const platformDevice = "34020000001110000001";
    const query = parseManscdp(buildCatalogQuery({ sn: 100, deviceId: platformDevice }));
    if (!query.ok || query.kind !== "Query" || query.cmdType !== "Catalog") throw new Error("query did not parse");

    const channels: CatalogItem[] = [1, 2, 3].map((n) => ({ deviceId: `3402000000132000000${n}`, name: `${n}号通道`, parental: false, status: "ON" }));
    const parts = [channels.slice(0, 2), channels.slice(1, 3)].map((items) =>
      buildCatalogResponse({ sn: query.sn, deviceId: query.deviceId, charset: query.charset, sumNum: channels.length, items }),
    );
    expect(decodeXmlBody(parts[0] ?? Buffer.alloc(0)).charset).toBe("GB2312");

    const assembler = createCatalogAssembler();
    assembler.start(platformDevice, 100, 0);
    const outcomes = parts.map((bytes, i) => {
      const message = parseManscdp(bytes);
      if (!message.ok || message.kind !== "Response" || message.cmdType !== "Catalog") throw new Error("response did not parse");
      return assembler.add(message.deviceId, message.sn, message, i * 100);
    });
    expect(outcomes[0]).toMatchObject({ status: "pending", received: 2 });
    expect(outcomes[1]).toMatchObject({ status: "complete", result: { partial: false, items: channels } });
    expect(channels.map((channel) => parseGbCode(channel.deviceId)).every((code) => code.ok && code.typeName === "IPC")).toBe(true);
  });
});
