import { describe, expect, it } from "vitest";
import { encodeGb } from "../src/gb18030-encoder.js";
import { decodeXmlBody, encodeXmlBody } from "../src/xml-charset.js";

// "一楼大厅" (first-floor lobby) in GB2312: 一 D2BB, 楼 C2A5, 大 B4F3, 厅 CCFC.
const LOBBY_GB2312 = Buffer.from("D2BBC2A5B4F3CCFC", "hex");
const LOBBY = "一楼大厅";

function body(declaration: string, name: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${declaration}<Item><Name>`, "latin1"), name, Buffer.from("</Name></Item>", "latin1")]);
}

describe("decodeXmlBody", () => {
  it("decodes GB2312 bytes declared as GB2312 and reports GB2312", () => {
    const decoded = decodeXmlBody(body('<?xml version="1.0" encoding="GB2312"?>\r\n', LOBBY_GB2312));
    expect(decoded.charset).toBe("GB2312");
    expect(decoded.text).toContain(`<Name>${LOBBY}</Name>`);
  });

  it("accepts lower-case and single-quoted encoding labels", () => {
    const decoded = decodeXmlBody(body("<?xml version='1.0' encoding='gbk'?>", LOBBY_GB2312));
    expect(decoded).toMatchObject({ charset: "GBK" });
    expect(decoded.text).toContain(LOBBY);
  });

  it("falls back to GB18030 when bytes declared UTF-8 are not valid UTF-8", () => {
    const decoded = decodeXmlBody(body('<?xml version="1.0" encoding="UTF-8"?>', LOBBY_GB2312));
    expect(decoded.charset).toBe("GB18030");
    expect(decoded.text).toContain(LOBBY);
  });

  it("detects UTF-8 when bytes declared GB2312 are valid multibyte UTF-8", () => {
    const decoded = decodeXmlBody(body('<?xml version="1.0" encoding="GB2312"?>', Buffer.from(LOBBY, "utf8")));
    expect(decoded.charset).toBe("UTF-8");
    expect(decoded.text).toContain(LOBBY);
  });

  it("detects GB18030 for undeclared GB bytes and UTF-8 for undeclared UTF-8 bytes", () => {
    expect(decodeXmlBody(body("", LOBBY_GB2312))).toMatchObject({ charset: "GB18030" });
    expect(decodeXmlBody(body("", LOBBY_GB2312)).text).toContain(LOBBY);
    expect(decodeXmlBody(body("", Buffer.from(LOBBY, "utf8")))).toMatchObject({ charset: "UTF-8" });
  });

  it("treats a UTF-8 BOM as authoritative and strips it", () => {
    const decoded = decodeXmlBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body('<?xml version="1.0" encoding="GB2312"?>', Buffer.from(LOBBY))]));
    expect(decoded.charset).toBe("UTF-8");
    expect(decoded.text.startsWith("<?xml")).toBe(true);
  });

  it("decodes GB18030 four-byte sequences", () => {
    // U+20000 (CJK Extension B) = 95 32 82 36 in GB18030.
    const decoded = decodeXmlBody(body('<?xml version="1.0" encoding="GB18030"?>', Buffer.from("95328236", "hex")));
    expect(decoded.text).toContain("<Name>\u{20000}</Name>");
  });
});

describe("encodeXmlBody", () => {
  it("writes GB2312 bytes and a matching declaration", () => {
    const bytes = encodeXmlBody(`<Name>${LOBBY}</Name>\r\n`, "GB2312");
    expect(bytes.subarray(0, 40).toString("latin1")).toBe('<?xml version="1.0" encoding="GB2312"?>\r');
    expect(bytes.includes(LOBBY_GB2312)).toBe(true);
  });

  it("replaces an existing declaration instead of duplicating it", () => {
    const text = encodeXmlBody(`<?xml version="1.0" encoding="UTF-8"?>\n<A/>`, "GBK").toString("latin1");
    expect(text).toBe('<?xml version="1.0" encoding="GBK"?>\r\n<A/>');
  });

  it("round-trips through decodeXmlBody in every charset", () => {
    const text = `<Name>${LOBBY} Cam-1 ℃</Name>`;
    for (const charset of ["GB2312", "GBK", "GB18030", "UTF-8"] as const) {
      const decoded = decodeXmlBody(encodeXmlBody(text, charset));
      expect(decoded.charset).toBe(charset);
      expect(decoded.text).toContain(text);
    }
  });

  it("encodes characters outside GBK only in GB18030, as ? elsewhere", () => {
    expect(decodeXmlBody(encodeXmlBody("<N>\u{20000}</N>", "GB18030")).text).toContain("\u{20000}");
    expect(decodeXmlBody(encodeXmlBody("<N>\u{20000}</N>", "GB2312")).text).toContain("<N>?</N>");
  });
});

describe("decodeXmlBody on short GB2312 names that are also valid UTF-8", () => {
  // Real channel names; two-character ones are where GB2312 bytes most often form valid UTF-8.
  const NAMES = "学校 门店 仓库 前门 后门 大厅 收银 前台 一楼 围墙 平台 站台 学院 医院 庭院 站前 楼前 前院 展台 车库 电梯".split(" ");
  const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
  const alsoUtf8 = NAMES.filter((name) => {
    try {
      strictUtf8.decode(encodeGb(name, { fourByte: false }));
      return true;
    } catch {
      return false;
    }
  });

  function catalogItem(declaration: string, name: string): Buffer {
    return Buffer.concat([
      Buffer.from(`${declaration}<Response>\r\n<CmdType>Catalog</CmdType>\r\n<DeviceList Num="1">\r\n<Item>\r\n<DeviceID>34020000001320000001</DeviceID>\r\n<Name>`, "latin1"),
      encodeGb(name, { fourByte: false }),
      Buffer.from("</Name>\r\n</Item>\r\n</DeviceList>\r\n</Response>\r\n", "latin1"),
    ]);
  }

  it("the table holds names whose GB2312 bytes are valid UTF-8 (学校 reads ѧУ)", () => {
    expect(alsoUtf8).toContain("学校");
    expect(alsoUtf8.length).toBeGreaterThanOrEqual(10);
    expect(strictUtf8.decode(encodeGb("学校", { fourByte: false }))).toBe("ѧУ");
  });

  it.each(NAMES)("%s declared GB2312 decodes as GB2312", (name) => {
    const decoded = decodeXmlBody(catalogItem('<?xml version="1.0" encoding="GB2312"?>\r\n', name));
    expect(decoded.charset).toBe("GB2312");
    expect(decoded.text).toContain(`<Name>${name}</Name>`);
  });

  it.each(NAMES)("%s without a declaration decodes as GB18030", (name) => {
    const decoded = decodeXmlBody(catalogItem("", name));
    expect(decoded.charset).toBe("GB18030");
    expect(decoded.text).toContain(`<Name>${name}</Name>`);
  });

  it.each(NAMES)("%s sent as UTF-8 under a GB2312 declaration or none still decodes as UTF-8", (name) => {
    for (const declaration of ['<?xml version="1.0" encoding="GB2312"?>\r\n', ""]) {
      const bytes = Buffer.from(`${declaration}<Item><Name>${name}（东）1号 ℃</Name></Item>`, "utf8");
      expect(decodeXmlBody(bytes)).toEqual({ text: bytes.toString("utf8"), charset: "UTF-8" });
    }
  });

  it("a declared UTF-8 body stays UTF-8 even when it would also be valid GB2312", () => {
    const bytes = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="UTF-8"?><Name>', "latin1"), Buffer.from("ѧУ", "utf8"), Buffer.from("</Name>", "latin1")]);
    expect(decodeXmlBody(bytes)).toMatchObject({ charset: "UTF-8", text: expect.stringContaining("<Name>ѧУ</Name>") });
  });
});
