import { describe, expect, it } from "vitest";
import { encodeGb } from "../src/gb18030-encoder.js";

const gb18030 = new TextDecoder("gb18030");

describe("encodeGb", () => {
  it("encodes GB2312 characters as their 2-byte codes", () => {
    expect(encodeGb("一楼大厅 A1", { fourByte: false }).toString("hex")).toBe("d2bbc2a5b4f3ccfc204131");
  });

  it("uses 4-byte sequences for BMP and supplementary characters only in GB18030 mode", () => {
    // U+00A5 ¥ = 81 30 84 36 (4-byte BMP range); U+1F600 = 94 39 FC 36 (supplementary, linear from 0x90308130).
    expect(encodeGb("¥😀\uFFFD", { fourByte: true }).toString("hex")).toBe("813084369439fc368431a437");
    expect(encodeGb("¥😀", { fourByte: false }).toString("latin1")).toBe("??");
  });

  it("round-trips the whole BMP outside surrogates and a few private-use code points", () => {
    let text = "";
    for (let unit = 0x80; unit <= 0xffff; unit++) if (unit < 0xd800 || unit > 0xdfff) text += String.fromCharCode(unit);
    const decoded = gb18030.decode(encodeGb(text, { fourByte: true }));
    let mismatches = 0;
    for (let i = 0; i < text.length; i++) {
      if (decoded[i] !== text[i]) {
        mismatches++;
        // GB 18030-2022 remapped a few PUA code points to standard ones; nothing else may differ.
        expect(text.charCodeAt(i)).toBeGreaterThanOrEqual(0xe000);
        expect(text.charCodeAt(i)).toBeLessThanOrEqual(0xf8ff);
      }
    }
    expect(mismatches).toBeLessThan(32);
  });
});
