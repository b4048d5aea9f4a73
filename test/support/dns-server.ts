import { createSocket } from "node:dgram";
import { Resolver } from "node:dns/promises";

/**
 * A DNS server on 127.0.0.1 answering CNAME questions from `records` (name → target), NXDOMAIN
 * for every other name, so code that resolves CNAMEs runs its real resolver against known data.
 */
export interface TestDnsServer {
  readonly records: Map<string, string>;
  /** A node:dns resolver that asks only this server. */
  readonly resolver: Resolver;
  close(): Promise<void>;
}

function readName(packet: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let at = offset;
  for (let length = packet[at] ?? 0; length !== 0; length = packet[at] ?? 0) {
    labels.push(packet.subarray(at + 1, at + 1 + length).toString("latin1"));
    at += 1 + length;
  }
  return { name: labels.join("."), end: at + 1 };
}

function encodeName(name: string): Buffer {
  const parts = name.split(".").filter(Boolean).map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, "latin1")]));
  return Buffer.concat([...parts, Buffer.from([0])]);
}

/** The answer to one query: the question echoed, then a CNAME record when `target` is known. */
function answer(query: Buffer, records: ReadonlyMap<string, string>): Buffer {
  const { name, end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  const target = records.get(name.toLowerCase());
  const found = target !== undefined && (qtype === 5 || qtype === 255);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  header.writeUInt16BE(0x8180 | (target === undefined ? 3 : 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(found ? 1 : 0, 6);
  if (!found) return Buffer.concat([header, question]);
  const rdata = encodeName(target);
  const record = Buffer.alloc(12);
  record.writeUInt16BE(0xc00c, 0);
  record.writeUInt16BE(5, 2);
  record.writeUInt16BE(1, 4);
  record.writeUInt32BE(60, 6);
  record.writeUInt16BE(rdata.length, 10);
  return Buffer.concat([header, question, record, rdata]);
}

export async function startTestDnsServer(): Promise<TestDnsServer> {
  const records = new Map<string, string>();
  const socket = createSocket("udp4");
  socket.on("message", (query, peer) => {
    if (query.length < 17) return;
    socket.send(answer(query, records), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${socket.address().port}`]);
  return { records, resolver, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}
