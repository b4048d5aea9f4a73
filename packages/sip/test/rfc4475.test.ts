import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  getHeader,
  getHeaderValues,
  parseNameAddr,
  parseSipMessage,
  parseSipUri,
  parseVia,
  serializeSipMessage,
  type SipMessage,
} from "../src/index.js";

import { RFC4475_DIR as DIR } from "./support-rfc4475.js";

type Expectation =
  | { verdict: "parses"; why: string; check?: (message: SipMessage) => void }
  | { verdict: "refused"; why: string; reason: RegExp; status?: number };

function request(message: SipMessage) {
  if (message.kind !== "request") throw new Error("expected a request");
  return message;
}

/**
 * RFC 4475 §3 classification of the 49 torture messages and what our parser
 * does with each. "parses" covers the §3.1.1 valid messages and the §3.2-3.4
 * ones that are syntactically valid (their problems are for the transaction
 * layer or the application: 416, 420, 415, 483, ...). "refused" returns
 * { ok: false, reason } and, for requests, the status a UAS answers with.
 */
const TABLE: Record<string, Expectation> = {
  // §3.1.1 valid messages
  wsinv: {
    verdict: "parses",
    why: "§3.1.1.1 short tortuous INVITE: LWS, folding, compact and mixed-case names",
    check: (m) => {
      expect(request(m).method).toBe("INVITE");
      expect(parseNameAddr(getHeader(m, "To") ?? "")?.params.tag).toBe("1918181833n");
      const from = parseNameAddr(getHeader(m, "From") ?? "");
      expect(from?.displayName).toBe('J Rosenberg \\"');
      expect(from?.params.tag).toBe("98asjd8");
      expect(getHeader(m, "Max-Forwards")).toBe("0068");
      expect(getHeader(m, "CSeq")).toBe("0009 INVITE");
      const vias = getHeaderValues(m, "Via").map(parseVia);
      expect(vias.map((v) => [v?.transport, v?.host, v?.params.branch])).toEqual([
        ["UDP", "192.0.2.2", "390skdjuw"],
        ["TCP", "spindle.example.com", "z9hG4bK9ikj8"],
        ["UDP", "192.168.255.111", "z9hG4bK30239"],
      ]);
      expect(getHeader(m, "Subject")).toBe("");
      expect(getHeader(m, "NewFangledHeader")).toBe("newfangled value continued newfangled value");
      const contact = parseNameAddr(getHeaderValues(m, "Contact")[0] ?? "");
      expect(contact?.displayName).toBe('Quoted string ""');
      expect(contact?.params).toEqual({ newparam: "newvalue", secondparam: null, q: "0.33" });
      expect(m.body.length).toBe(150);
    },
  },
  intmeth: {
    verdict: "parses",
    why: "§3.1.1.2 wide range of valid characters in method, URI, tokens",
    check: (m) => {
      expect(request(m).method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
      const uri = parseSipUri(request(m).uri);
      expect(uri?.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
      expect(uri?.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
      expect(uri?.host).toBe("example.com");
      expect(parseNameAddr(getHeader(m, "To") ?? "")?.displayName).toBe("BEL:\x07 NUL:\x00 DEL:\x7f");
      expect(parseNameAddr(getHeader(m, "From") ?? "")?.params.tag).toBe("_token~1'+`*%!-.");
      expect(getHeader(m, "Call-ID")).toBe("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
      expect(getHeader(m, "extensionHeader-!.%*+_`'~")).toBe("\uFEFF\u5927\u505C\u96FB");
    },
  },
  esc01: {
    verdict: "parses",
    why: "§3.1.1.3 escaped characters in URIs are decoded",
    check: (m) => {
      expect(parseSipUri(request(m).uri)?.user).toBe("sips:user@example.com");
      expect(parseSipUri(parseNameAddr(getHeader(m, "To") ?? "")?.uri ?? "")?.user).toBe("user");
      expect(parseSipUri(parseNameAddr(getHeader(m, "From") ?? "")?.uri ?? "")?.user).toBe("I have spaces");
      const contact = parseSipUri(parseNameAddr(getHeader(m, "Contact") ?? "")?.uri ?? "");
      expect(contact?.user).toBe("caller");
      expect(contact?.params).toEqual({ lr: null, name: "value%41" });
    },
  },
  escnull: {
    verdict: "parses",
    why: "§3.1.1.4 escaped NULs in URIs",
    check: (m) => {
      expect(parseSipUri(parseNameAddr(getHeader(m, "To") ?? "")?.uri ?? "")?.user).toBe("null-\0-null");
      const contacts = getHeaderValues(m, "Contact").map((c) => parseSipUri(parseNameAddr(c)?.uri ?? "")?.user);
      expect(contacts).toEqual(["\0", "\0\0"]);
    },
  },
  esc02: {
    verdict: "parses",
    why: "§3.1.1.5 % that is not an escape, in method, display name and branch",
    check: (m) => {
      expect(request(m).method).toBe("RE%47IST%45R");
      expect(parseNameAddr(getHeader(m, "To") ?? "")?.displayName).toBe("%Z%45");
      expect(getHeaderValues(m, "Contact")).toHaveLength(2);
      expect(getHeader(m, "C%6Fntact")).toBe("<sip:alias2@host2.example.com>");
    },
  },
  lwsdisp: {
    verdict: "parses",
    why: "§3.1.1.6 no LWS between display name and <",
    check: (m) => expect(parseNameAddr(getHeader(m, "From") ?? "")?.displayName).toBe("caller"),
  },
  longreq: {
    verdict: "parses",
    why: "§3.1.1.7 long values, 34 Via lines with mixed-case and compact names",
    check: (m) => {
      const vias = getHeaderValues(m, "Via");
      expect(vias).toHaveLength(34);
      expect(parseVia(vias[33] ?? "")?.params.received).toBe("192.0.2.5");
      expect(m.body.length).toBe(150);
    },
  },
  dblreq: {
    verdict: "parses",
    why: "§3.1.1.8 extra octets after Content-Length 0 in a datagram are ignored",
    check: (m) => {
      expect(request(m).method).toBe("REGISTER");
      expect(m.body.length).toBe(0);
    },
  },
  semiuri: {
    verdict: "parses",
    why: "§3.1.1.9 ';' inside the user part of the Request-URI",
    check: (m) => {
      const uri = parseSipUri(request(m).uri);
      expect(uri?.user).toBe("user;par=u@example.net");
      expect(uri?.host).toBe("example.com");
      expect(uri?.params).toEqual({});
      expect(getHeaderValues(m, "Accept")).toHaveLength(6);
    },
  },
  transports: {
    verdict: "parses",
    why: "§3.1.1.10 varied and unknown transports in Via",
    check: (m) =>
      expect(getHeaderValues(m, "Via").map((v) => parseVia(v)?.transport)).toEqual(["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]),
  },
  mpart01: {
    verdict: "parses",
    why: "§3.1.1.11 multipart body with binary part kept byte for byte",
    check: (m) => {
      expect(m.body.length).toBe(553);
      expect(parseVia(getHeader(m, "Via") ?? "")?.params.rport).toBeNull();
    },
  },
  unreason: {
    verdict: "parses",
    why: "§3.1.1.12 UTF-8 reason phrase",
    check: (m) => {
      if (m.kind !== "response") throw new Error("expected a response");
      expect(m.status).toBe(200);
      expect(m.reason.startsWith("= 2**3 * 5**2 но сто девяносто девять")).toBe(true);
    },
  },
  noreason: {
    verdict: "parses",
    why: "§3.1.1.13 empty reason phrase",
    check: (m) => expect(m.kind === "response" && m.status === 100 && m.reason === "").toBe(true),
  },

  // §3.1.2 invalid messages
  badinv01: { verdict: "refused", why: "§3.1.2.1 empty Via/Contact parameters and list entries", reason: /Via/, status: 400 },
  clerr: { verdict: "refused", why: "§3.1.2.2 Content-Length larger than the datagram", reason: /Content-Length 9999 exceeds/, status: 400 },
  ncl: { verdict: "refused", why: "§3.1.2.3 negative Content-Length", reason: /Content-Length/, status: 400 },
  scalar02: { verdict: "refused", why: "§3.1.2.4 CSeq beyond 2**31", reason: /CSeq/, status: 400 },
  scalarlg: { verdict: "refused", why: "§3.1.2.5 response with overlarge CSeq: dropped", reason: /CSeq/ },
  quotbal: { verdict: "refused", why: "§3.1.2.6 unterminated quote in To display name", reason: /To/, status: 400 },
  ltgtruri: { verdict: "refused", why: "§3.1.2.7 Request-URI enclosed in <>", reason: /Request-URI/, status: 400 },
  lwsruri: { verdict: "refused", why: "§3.1.2.8 LWS inside the Request-URI", reason: /request line/, status: 400 },
  lwsstart: { verdict: "refused", why: "§3.1.2.9 several SP between request-line elements", reason: /request line/, status: 400 },
  trws: { verdict: "refused", why: "§3.1.2.10 SP after the SIP version", reason: /request line/, status: 400 },
  escruri: { verdict: "refused", why: "§3.1.2.11 escaped headers in the Request-URI", reason: /Request-URI carries headers/, status: 400 },
  baddate: {
    verdict: "parses",
    why: "§3.1.2.12 non-GMT Date: the RFC lets an element that does not use Date ignore it; we never interpret Date",
    check: (m) => expect(getHeader(m, "Date")).toBe("Fri, 01 Jan 2010 16:00:00 EST"),
  },
  regbadct: { verdict: "refused", why: "§3.1.2.13 Contact URI with '?' outside <>", reason: /Contact/, status: 400 },
  badaspec: { verdict: "refused", why: "§3.1.2.14 spaces inside <> of the To addr-spec", reason: /To/, status: 400 },
  baddn: { verdict: "refused", why: "§3.1.2.15 unquoted display name with a comma (the file also lacks the final empty line, which we tolerate)", reason: /From/, status: 400 },
  badvers: { verdict: "refused", why: "§3.1.2.16 SIP/7.0: answer 505", reason: /version/, status: 505 },
  mismatch01: { verdict: "refused", why: "§3.1.2.17 CSeq method differs from request method", reason: /CSeq method/, status: 400 },
  mismatch02: { verdict: "refused", why: "§3.1.2.18 unknown method with a mismatched CSeq", reason: /CSeq method/, status: 400 },
  bigcode: { verdict: "refused", why: "§3.1.2.19 response code of more than three digits: dropped", reason: /status line/ },

  // §3.2 transaction layer
  badbranch: {
    verdict: "parses",
    why: "§3.2.1 branch is the bare magic cookie: syntactically valid; the transaction layer falls back to RFC 2543 matching",
    check: (m) => expect(parseVia(getHeader(m, "Via") ?? "")?.params.branch).toBe("z9hG4bK"),
  },

  // §3.3 application layer: syntactically valid, the UA decides
  insuf: { verdict: "refused", why: "§3.3.1 missing Call-ID, From, To, Max-Forwards: 400", reason: /missing/, status: 400 },
  unkscm: {
    verdict: "parses",
    why: "§3.3.2 unknown Request-URI scheme: valid syntax, the UA answers 416",
    check: (m) => expect(request(m).uri).toBe("nobodyKnowsThisScheme:totallyopaquecontent"),
  },
  novelsc: { verdict: "parses", why: "§3.3.3 known but atypical scheme (soap.beep): the UA answers 416", check: (m) => expect(request(m).uri).toBe("soap.beep://192.0.2.103:3002") },
  unksm2: {
    verdict: "parses",
    why: "§3.3.4 non-SIP URIs in To/From/Contact are legal",
    check: (m) => {
      expect(parseNameAddr(getHeader(m, "To") ?? "")?.uri).toBe("isbn:2983792873");
      expect(parseNameAddr(getHeader(m, "Contact") ?? "")?.uri).toBe("name:John_Smith");
    },
  },
  bext01: { verdict: "parses", why: "§3.3.5 unknown Require/Proxy-Require: the UA answers 420", check: (m) => expect(getHeaderValues(m, "Require")).toEqual(["nothingSupportsThis", "nothingSupportsThisEither"]) },
  invut: { verdict: "parses", why: "§3.3.6 unknown Content-Type: the UA answers 415", check: (m) => expect(getHeader(m, "Content-Type")).toBe("application/unknownformat") },
  regaut01: { verdict: "parses", why: "§3.3.7 unknown Authorization scheme: the registrar answers 401", check: (m) => expect(getHeader(m, "Authorization")).toBe("NoOneKnowsThisScheme opaque-data=here") },
  multi01: { verdict: "refused", why: "§3.3.8 several Call-ID/CSeq/From/To values: 400", reason: /multiple/, status: 400 },
  mcl01: { verdict: "refused", why: "§3.3.9 two Content-Length values: framing is unknowable, 400", reason: /multiple Content-Length/, status: 400 },
  bcast: { verdict: "parses", why: "§3.3.10 200 OK with a broadcast Via: parsed; response routing is the TU's concern", check: (m) => expect(getHeaderValues(m, "Via")).toHaveLength(2) },
  zeromf: { verdict: "parses", why: "§3.3.11 Max-Forwards 0: the UA answers OPTIONS or 483", check: (m) => expect(getHeader(m, "Max-Forwards")).toBe("0") },
  cparam01: {
    verdict: "parses",
    why: "§3.3.12 addr-spec Contact: unknownparam is a header parameter",
    check: (m) => {
      const contact = parseNameAddr(getHeader(m, "Contact") ?? "");
      expect(contact?.uri).toBe("sip:+19725552222@gw1.example.net");
      expect(contact?.params).toEqual({ unknownparam: null });
    },
  },
  cparam02: {
    verdict: "parses",
    why: "§3.3.13 name-addr Contact: unknownparam is a URI parameter",
    check: (m) => {
      const contact = parseNameAddr(getHeader(m, "Contact") ?? "");
      expect(parseSipUri(contact?.uri ?? "")?.params).toEqual({ unknownparam: null });
      expect(contact?.params).toEqual({});
    },
  },
  regescrt: {
    verdict: "parses",
    why: "§3.3.14 escaped header in a <> Contact URI: legal, the registrar stores it",
    check: (m) => expect(parseSipUri(parseNameAddr(getHeader(m, "Contact") ?? "")?.uri ?? "")?.headers).toEqual({ Route: "<sip:sip.example.com>" }),
  },
  sdp01: { verdict: "parses", why: "§3.3.15 SDP body but Accept excludes it: the UA answers 406", check: (m) => expect(getHeader(m, "Accept")).toBe("text/nobodyKnowsThis") },

  // §3.4 backward compatibility
  inv2543: {
    verdict: "parses",
    why: "§3.4.1 RFC 2543 INVITE: no branch, no Max-Forwards, no Content-Length (body = rest of datagram)",
    check: (m) => {
      expect(parseVia(getHeader(m, "Via") ?? "")?.params.branch).toBeUndefined();
      expect(m.body.toString()).toContain("m=audio 49217 RTP/AVP 0");
    },
  },
};

describe("RFC 4475 torture messages", () => {
  it("classifies all 49 messages", () => {
    expect(Object.keys(TABLE)).toHaveLength(49);
  });

  for (const [name, expectation] of Object.entries(TABLE)) {
    it(`${name}: ${expectation.verdict} (${expectation.why})`, () => {
      const bytes = readFileSync(`${DIR}/${name}.dat`);
      const result = parseSipMessage(bytes);
      if (expectation.verdict === "parses") {
        if (!result.ok) throw new Error(`refused: ${result.reason}`);
        expectation.check?.(result.message);
        const again = parseSipMessage(serializeSipMessage(result.message));
        expect(again.ok).toBe(true);
        if (again.ok) expect(again.message.body.equals(result.message.body)).toBe(true);
      } else {
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.reason).toMatch(expectation.reason);
        expect(result.status).toBe(expectation.status);
      }
    });
  }
});
