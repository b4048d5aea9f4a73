/**
 * Serialises MANSCDP documents one element per line with CRLF, the layout the
 * standard's examples use and that picky device firmware parses line by line.
 */

export type XmlValue = string | number | undefined;

export interface XmlNode {
  readonly name: string;
  readonly attributes?: Readonly<Record<string, string | number>>;
  readonly value?: XmlValue;
  readonly children?: readonly (XmlNode | undefined)[];
}

/** Leaf element; an undefined value omits the element entirely. */
export function leaf(name: string, value: XmlValue): XmlNode | undefined {
  return value === undefined ? undefined : { name, value };
}

const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };

export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ENTITIES[char] ?? char);
}

function renderNode(node: XmlNode, lines: string[]): void {
  const attributes = Object.entries(node.attributes ?? {})
    .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
    .join("");
  if (node.children === undefined) {
    lines.push(`<${node.name}${attributes}>${escapeXml(String(node.value ?? ""))}</${node.name}>`);
    return;
  }
  lines.push(`<${node.name}${attributes}>`);
  for (const childNode of node.children) if (childNode !== undefined) renderNode(childNode, lines);
  lines.push(`</${node.name}>`);
}

/** Render a document without XML declaration (encodeXmlBody adds it). */
export function renderXml(root: XmlNode): string {
  const lines: string[] = [];
  renderNode(root, lines);
  return `${lines.join("\r\n")}\r\n`;
}
