import { describe, expect, it } from "vitest";
import { childElements, childText, parseXml } from "../src/xml-tree.js";

function root(text: string) {
  const result = parseXml(text);
  if (!result.ok) throw new Error(result.reason);
  return result.root;
}

describe("parseXml", () => {
  it("reads nested elements, attributes and entities", () => {
    const doc = root(`<?xml version="1.0"?><!-- c --><A x='1' Y="a&amp;b"><B>1 &lt; 2 &#x4E00;</B><C/></A>`);
    expect(doc.name).toBe("A");
    expect(doc.attributes.get("y")).toBe("a&b");
    expect(childText(doc, "B")).toBe("1 < 2 一");
    expect(doc.children.map((c) => c.name)).toEqual(["B", "C"]);
  });

  it("matches tag names case-insensitively, including mismatched close tags", () => {
    const doc = root("<Query><cmdtype> Catalog </CMDTYPE><SN>1</sn></query>");
    expect(childText(doc, "CmdType")).toBe("Catalog");
    expect(childText(doc, "sn")).toBe("1");
  });

  it("ignores trailing garbage and NUL padding after the root element", () => {
    const doc = root("<A><B>x</B></A>\0\0\0<junk>garbage");
    expect(childText(doc, "B")).toBe("x");
  });

  it("keeps a stray ampersand and bare < in text", () => {
    expect(childText(root("<A><B>R&D < 5</B></A>"), "B")).toBe("R&D < 5");
  });

  it("recovers from an unclosed child by closing it at the parent's end tag", () => {
    const doc = root("<L><Item><Name>x</Item><Item><Name>y</Name></Item></L>");
    expect(childElements(doc, "Item").map((item) => childText(item, "Name"))).toEqual(["x", "y"]);
  });

  it("reads CDATA sections as text", () => {
    expect(childText(root("<A><B><![CDATA[<raw>]]></B></A>"), "B")).toBe("<raw>");
  });

  it("fails on truncated documents and empty input", () => {
    expect(parseXml("<A><B>x</B>")).toEqual({ ok: false, reason: "truncated XML: <A> not closed" });
    expect(parseXml("   ")).toEqual({ ok: false, reason: "no root element" });
  });

  it("enforces depth and element-count limits", () => {
    expect(parseXml("<a><a><a><a></a></a></a></a>", { maxDepth: 3, maxElements: 100 }).ok).toBe(false);
    expect(parseXml("<a><b/><b/><b/></a>", { maxDepth: 3, maxElements: 3 }).ok).toBe(false);
  });
});
