import { describe, expect, it } from "vitest";
import { decodeXmlText, escapeXml, xmlElements, xmlText } from "../src/onvif/xml-values.js";

describe("xml values", () => {
  const xml =
    `<env:Body><trt:GetProfilesResponse><trt:Profiles token="P1" fixed="true"><tt:Name>main &amp; best</tt:Name></trt:Profiles>` +
    `<Profiles token='P2'/><trt:Profiles token="P3"><tt:Name><![CDATA[sub <1>]]></tt:Name></trt:Profiles></trt:GetProfilesResponse></env:Body>`;

  it("finds elements by local name whatever their prefix, with attributes, including empty ones", () => {
    expect(xmlElements(xml, "Profiles").map((e) => e.attributes.token)).toEqual(["P1", "P2", "P3"]);
    expect(xmlElements(xml, "Profiles")[1]?.inner).toBe("");
  });

  it("reads unescaped text and CDATA", () => {
    expect(xmlText(xml, "Name")).toBe("main & best");
    expect(xmlText(xmlElements(xml, "Profiles")[2]?.inner ?? "", "Name")).toBe("sub <1>");
    expect(xmlText(xml, "Missing")).toBeUndefined();
  });

  it("does not confuse a name with a longer one sharing its prefix", () => {
    expect(xmlElements("<a:Preset token='1'/><a:Presets><a:Preset token='2'></a:Preset></a:Presets>", "Preset").map((e) => e.attributes.token)).toEqual(["1", "2"]);
  });

  it("returns nothing for an unclosed element instead of throwing", () => {
    expect(xmlElements("<a:Uri>rtsp://x", "Uri")).toEqual([]);
  });

  it("escapes and decodes entities", () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;");
    expect(decodeXmlText("&#x4e2d;&#25991;&bogus;")).toBe("中文&bogus;");
  });
});
