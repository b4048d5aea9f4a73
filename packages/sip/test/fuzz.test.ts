import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseSipMessage, serializeSipMessage, SipStreamFramer } from "../src/index.js";
import * as captures from "./fixtures/gb28181-captures.js";

import { RFC4475_DIR } from "./support-rfc4475.js";
const ITERATIONS = 100_000;

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INVITE_WITH_SDP = Buffer.from(
  [
    "INVITE sip:34020000001320000001@192.168.1.64:5060 SIP/2.0",
    "Via: SIP/2.0/UDP 192.168.1.10:5060;rport;branch=z9hG4bK3366778899",
    "From: <sip:34020000002000000001@3402000000>;tag=600981",
    "To: <sip:34020000001320000001@3402000000>",
    "Call-ID: 880077661@192.168.1.10",
    "CSeq: 20 INVITE",
    "Contact: <sip:34020000002000000001@192.168.1.10:5060>",
    "Subject: 34020000001320000001:0200000001,34020000002000000001:0",
    "Content-Type: APPLICATION/SDP",
    "Max-Forwards: 70",
    "Content-Length: 197",
    "",
    "v=0\r\no=34020000001320000001 0 0 IN IP4 192.168.1.10\r\ns=Play\r\nc=IN IP4 192.168.1.10\r\nt=0 0\r\nm=video 30000 RTP/AVP 96 98 97\r\na=recvonly\r\na=rtpmap:96 PS/90000\r\ny=0200000001\r\n",
  ].join("\r\n"),
);

const OK_RESPONSE = Buffer.from(
  "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.168.1.64:5060;rport=5060;received=10.1.1.1;branch=z9hG4bK1916459683\r\n" +
    "From: <sip:34020000001320000001@3402000000>;tag=1431390612\r\nTo: <sip:34020000001320000001@3402000000>;tag=4a2b\r\n" +
    "Call-ID: 1466193591\r\nCSeq: 2 REGISTER\r\nDate: 2024-05-01T12:00:00.000\r\nExpires: 3600\r\nContent-Length: 0\r\n\r\n",
);

const NOTIFY = Buffer.from(
  "NOTIFY sip:34020000002000000001@3402000000 SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.1.64:5060;rport;branch=z9hG4bK55\r\n" +
    "From: <sip:34020000001320000001@3402000000>;tag=77\r\nTo: <sip:34020000002000000001@3402000000>;tag=88\r\n" +
    "Call-ID: sub-1\r\nCSeq: 3 NOTIFY\r\nEvent: Catalog;id=1\r\nSubscription-State: active;expires=3600\r\n" +
    "Content-Type: Application/MANSCDP+xml\r\nContent-Length: 9\r\n\r\n<Notify/>",
);

const CORPUS: Buffer[] = [
  INVITE_WITH_SDP,
  OK_RESPONSE,
  NOTIFY,
  captures.hikvisionRegister,
  captures.hikvisionRegisterAuthorized,
  captures.dahuaRegisterAuthorized,
  captures.univiewRegister,
  captures.hikvisionKeepalive,
  captures.dahuaCatalogResponse,
  captures.univiewCatalogResponse,
  ...readdirSync(RFC4475_DIR)
    .filter((name) => name.endsWith(".dat"))
    .sort()
    .map((name) => readFileSync(`${RFC4475_DIR}/${name}`)),
];

const INTERESTING = [":", ";", ",", "<", ">", '"', "\\", "%", " ", "\t", "\r\n", "\r\n ", "\n", "=", "@", "?", "\0", "\xff", "SIP/2.0", "Content-Length: 99999\r\n"].map((s) =>
  Buffer.from(s, "latin1"),
);

function mutate(input: Buffer, random: () => number): Buffer {
  const pick = (n: number) => Math.floor(random() * n);
  let bytes = Buffer.from(input);
  const rounds = 1 + pick(4);
  for (let round = 0; round < rounds; round++) {
    const at = pick(bytes.length + 1);
    switch (pick(6)) {
      case 0: // bit flips
        for (let i = 0, n = 1 + pick(8); i < n && bytes.length > 0; i++) {
          const index = pick(bytes.length);
          bytes[index] = (bytes[index] ?? 0) ^ (1 << pick(8));
        }
        break;
      case 1: // truncation
        bytes = bytes.subarray(0, at);
        break;
      case 2: {
        // duplicate a slice in place
        const length = pick(Math.min(200, bytes.length - at) + 1);
        bytes = Buffer.concat([bytes.subarray(0, at + length), bytes.subarray(at, at + length), bytes.subarray(at + length)]);
        break;
      }
      case 3: {
        // random bytes spliced in
        const noise = Buffer.alloc(1 + pick(16));
        for (let i = 0; i < noise.length; i++) noise[i] = pick(256);
        bytes = Buffer.concat([bytes.subarray(0, at), noise, bytes.subarray(at)]);
        break;
      }
      case 4: // a syntactically interesting token spliced in
        bytes = Buffer.concat([bytes.subarray(0, at), INTERESTING[pick(INTERESTING.length)] ?? Buffer.alloc(0), bytes.subarray(at)]);
        break;
      default: {
        // delete a range
        const length = pick(Math.min(40, bytes.length - at) + 1);
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + length)]);
      }
    }
  }
  return bytes;
}

describe("fuzzing the parser", () => {
  it(`survives ${ITERATIONS} mutated messages and re-parses whatever it accepts`, () => {
    const random = prng(0x5eed2811);
    let accepted = 0;
    const framer = new SipStreamFramer({ maxHeaderBytes: 8192, maxBodyBytes: 65536 });
    let streamFramer = framer;
    for (let i = 0; i < ITERATIONS; i++) {
      const input = mutate(CORPUS[i % CORPUS.length] ?? Buffer.alloc(0), random);
      let result;
      try {
        result = parseSipMessage(input);
      } catch (error) {
        throw new Error(`parse threw on iteration ${i} (${input.toString("hex")}): ${String(error)}`);
      }
      if (result.ok) {
        accepted++;
        const again = parseSipMessage(serializeSipMessage(result.message));
        if (!again.ok) throw new Error(`re-parse failed on iteration ${i} (${input.toString("hex")}): ${again.reason}`);
        if (!again.message.body.equals(result.message.body)) throw new Error(`body changed on iteration ${i}`);
      }
      if (i % 10 === 0) {
        // The stream framer gets the same garbage, in two chunks; it must never throw or grow unbounded.
        const cut = Math.floor(random() * (input.length + 1));
        const items = [...streamFramer.push(input.subarray(0, cut)), ...streamFramer.push(input.subarray(cut))];
        for (const item of items) if (item.kind === "message") parseSipMessage(item.bytes);
        expect(streamFramer.bufferedBytes).toBeLessThanOrEqual(8192 + 65536 + input.length);
        if (items.some((item) => item.kind === "error")) streamFramer = new SipStreamFramer({ maxHeaderBytes: 8192, maxBodyBytes: 65536 });
      }
    }
    // Sanity: the mutations are not all fatal, so the re-parse path is exercised.
    expect(accepted).toBeGreaterThan(ITERATIONS / 20);
  });
});
