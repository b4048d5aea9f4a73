import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  checkSignedScope,
  DEFAULT_SIGNING_POLICY,
  expectedSignatures,
  httpString,
  parseAuthorization,
  sha1Hex,
  signatureMatches,
  signatureOf,
  signAuthorization,
  signingUrlEncode,
  splitRequestTarget,
  stringToSign,
} from "../src/signing/index.js";
import type { SignedRequest } from "../src/signing/index.js";

const require = createRequire(import.meta.url);
const COS = require("cos-nodejs-sdk-v5") as {
  getAuthorization(opts: Record<string, unknown>): string;
};

// Worked examples of the seed (spec 01 §1.3–1.5); the SecretKey is masked there, so the vectors start at SignKey.
const example1 = {
  keyTime: "1671038349;1671041949",
  signKey: "003e121ce6c3862a770c74eab3b13d90935104aa",
  sha1: "2cc1a7b1fa5b6c7ca3d2e0f70f46c6f7c96cb175",
  signature: "8d9a6c73ff78900b3875a78df2b63790644b8c3d",
};
const example2 = {
  keyTime: "1671039836;1671043436",
  signKey: "82f0e7ee09b1070dc6f3a37c41b01bc2eaf43ced",
  sha1: "d5c37ed1e8f7fd51d14853f8e9e81869f32fdc54",
  signature: "2fab8f7909236046e789b4ea483330ec6df91331",
};

function authFor(keyTime: string, headerList: string, paramList: string, signature: string): string {
  return `q-sign-algorithm=sha1&q-ak=AKIDexample&q-sign-time=${keyTime}&q-key-time=${keyTime}&q-header-list=${headerList}&q-url-param-list=${paramList}&q-signature=${signature}`;
}

function parsed(header: string) {
  const result = parseAuthorization(header);
  if (!result.ok) throw new Error(result.reason);
  return result.value;
}

describe("UrlEncode (spec 01 §1.1)", () => {
  it("encodes every character of the table in upper-case hex and leaves - . _ ~ alone", () => {
    expect(signingUrlEncode(" !\"#$%&'()*+,/:;<=>?@[\\]^`{|}")).toBe(
      "%20%21%22%23%24%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F%40%5B%5C%5D%5E%60%7B%7C%7D",
    );
    expect(signingUrlEncode("Az09-._~")).toBe("Az09-._~");
    expect(signingUrlEncode("上")).toBe("%E4%B8%8A");
  });
});

describe("seed worked examples as vectors", () => {
  it("example 1: the hidden HttpString (content-type encoded as application%2Fjson) hashes to the printed SHA1", () => {
    const text = httpString(
      "GET",
      "/ivc/urm/resource/getUserResources",
      "organizationid=0&pagenumber=1&pagesize=20",
      "content-type=application%2Fjson&host=ivc.myqcloud.com",
    );
    expect(sha1Hex(text)).toBe(example1.sha1);
    expect(signatureOf(example1.signKey, stringToSign(example1.keyTime, text))).toBe(example1.signature);
  });

  it("example 2: the printed HttpString hashes to the printed SHA1 and signs to the printed Signature", () => {
    const text = "post\n/ivc/cms/device/add\n\ncontent-type=application/json&host=ivc.myqcloud.com\n";
    expect(httpString("POST", "/ivc/cms/device/add", "", "content-type=application/json&host=ivc.myqcloud.com")).toBe(text);
    expect(sha1Hex(text)).toBe(example2.sha1);
    expect(signatureOf(example2.signKey, stringToSign(example2.keyTime, text))).toBe(example2.signature);
  });

  it("accepts example 1 as a request (the %2F header form)", () => {
    const target = splitRequestTarget("/ivc/urm/resource/getUserResources?OrganizationId=0&PageNumber=1&PageSize=20");
    if (!target.ok) throw new Error(target.reason);
    const request: SignedRequest = {
      method: "GET",
      ...target.value,
      headers: { host: "ivc.myqcloud.com", "content-type": "application/json", date: "Thu, 15 Dec 2022 01:43:56 GMT" },
    };
    const auth = parsed(authFor(example1.keyTime, "content-type;host", "organizationid;pagenumber;pagesize", example1.signature));
    expect(expectedSignatures(auth, request, example1.signKey)).toContain(example1.signature);
  });

  it("accepts example 2 as a request (the literal / header form)", () => {
    const request: SignedRequest = {
      method: "POST",
      pathname: "/ivc/cms/device/add",
      query: [],
      headers: { host: "ivc.myqcloud.com", "content-type": "application/json" },
    };
    const auth = parsed(authFor(example2.keyTime, "content-type;host", "", example2.signature));
    expect(expectedSignatures(auth, request, example2.signKey)).toContain(example2.signature);
  });

  it("does not accept a third, lenient form (a changed header value)", () => {
    const request: SignedRequest = {
      method: "POST",
      pathname: "/ivc/cms/device/add",
      query: [],
      headers: { host: "ivc.myqcloud.com", "content-type": "application/json; charset=utf-8" },
    };
    const auth = parsed(authFor(example2.keyTime, "content-type;host", "", example2.signature));
    expect(expectedSignatures(auth, request, example2.signKey)).not.toContain(example2.signature);
  });
});

describe("parseAuthorization", () => {
  it("reads the seven fields and splits the lists", () => {
    const auth = parsed(authFor("1;2", "content-type;host", "a;b", "0".repeat(40)));
    expect(auth.secretId).toBe("AKIDexample");
    expect(auth.keyTime).toEqual({ text: "1;2", start: 1, end: 2 });
    expect(auth.headerList).toEqual(["content-type", "host"]);
    expect(auth.urlParamList).toEqual(["a", "b"]);
  });

  it.each([
    ["missing a field", "q-sign-algorithm=sha1&q-ak=x"],
    ["another algorithm", authFor("1;2", "host", "", "0".repeat(40)).replace("sha1", "sha256")],
    ["unequal sign and key time", authFor("1;2", "host", "", "0".repeat(40)).replace("q-sign-time=1;2", "q-sign-time=1;3")],
    ["a key time ending before its start", authFor("5;2", "host", "", "0".repeat(40))],
    ["a non-hex signature", authFor("1;2", "host", "", "z".repeat(40))],
    ["an over-long header", "q".repeat(5000)],
  ])("refuses %s", (_name, header) => {
    expect(parseAuthorization(header).ok).toBe(false);
  });
});

describe("checkSignedScope", () => {
  const request: SignedRequest = { method: "GET", pathname: "/x", query: [["A", "1"]], headers: { host: "h" } };
  const now = 1_700_000_000;
  const scope = (header: string) => checkSignedScope(parsed(header), request, DEFAULT_SIGNING_POLICY, now)?.reason;

  it("passes a well-formed current request", () => {
    expect(scope(authFor(`${now};${now + 60}`, "host", "a", "0".repeat(40)))).toBeUndefined();
  });
  it("passes an empty header list (spec 01 §1 does not require host to be signed)", () => {
    expect(scope(authFor(`${now};${now + 60}`, "", "a", "0".repeat(40)))).toBeUndefined();
  });
  it("refuses a listed header or parameter that is absent", () => {
    expect(scope(authFor(`${now};${now + 60}`, "date;host", "", "0".repeat(40)))).toBe("listed-absent");
    expect(scope(authFor(`${now};${now + 60}`, "host", "a;b", "0".repeat(40)))).toBe("listed-absent");
  });
  it("allows 300 s of clock skew and no more", () => {
    expect(scope(authFor(`${now + 300};${now + 400}`, "host", "", "0".repeat(40)))).toBeUndefined();
    expect(scope(authFor(`${now + 301};${now + 400}`, "host", "", "0".repeat(40)))).toBe("not-yet-valid");
    expect(scope(authFor(`${now - 400};${now - 300}`, "host", "", "0".repeat(40)))).toBeUndefined();
    expect(scope(authFor(`${now - 400};${now - 301}`, "host", "", "0".repeat(40)))).toBe("expired");
  });
  it("refuses a KeyTime longer than the maximum", () => {
    const max = DEFAULT_SIGNING_POLICY.maxKeyTimeSeconds;
    expect(scope(authFor(`${now};${now + max + 1}`, "host", "", "0".repeat(40)))).toBe("too-long");
  });
});

describe("independent client: cos-nodejs-sdk-v5", () => {
  const secretId = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
  const secretKey = "gg2ZVZrvzxTwNUvYV7q5DqPgSxEXAMPLE";
  const now = Math.floor(Date.now() / 1000);

  const sent = { Host: "127.0.0.1:8080", "Content-Type": "application/json" };

  it.each([
    ["GET", "/ivc/urm/resource/getUserResources", { OrganizationId: "0", PageNumber: "1", Keyword: "大华 球机/1" }, { Host: "ivc.myqcloud.com" }],
    ["POST", "/ivc/cms/device/add", {}, { Host: "ivc.myqcloud.com", "Content-Type": "application/json" }],
    ["DELETE", "/ivc/cms/organization/delete", { Id: "12" }, { Host: "127.0.0.1:8080" }],
    ["GET", "/ivc/cms/device/list", { Name: "门店", IsContainSubLevel: "True" }, undefined],
    ["POST", "/ivc/cms/device/add", {}, undefined],
  ] as const)("verifies a %s %s signed by COS.getAuthorization (headers %o)", (method, pathname, query, headers) => {
    const authorization = COS.getAuthorization({
      SecretId: secretId,
      SecretKey: secretKey,
      Method: method,
      Pathname: pathname,
      Query: query,
      ...(headers === undefined ? {} : { Headers: headers }),
      KeyTime: `${now};${now + 600}`,
    });
    const request: SignedRequest = {
      method,
      pathname,
      query: Object.entries(query),
      headers: Object.fromEntries(Object.entries(headers ?? sent).map(([k, v]) => [k.toLowerCase(), v])),
    };
    const auth = parsed(authorization);
    expect(checkSignedScope(auth, request, DEFAULT_SIGNING_POLICY, now)).toBeUndefined();
    expect(signatureMatches(auth, request, secretKey)).toBe(true);
    expect(signatureMatches(auth, request, `${secretKey}x`)).toBe(false);
  });

  it("agrees with our own signer byte for byte", () => {
    const common = { Method: "GET", Pathname: "/ivc/cms/device/channel", Query: { DeviceId: "a b" }, Headers: { Host: "h" } };
    const ours = signAuthorization({
      secretId,
      secretKey,
      method: "GET",
      pathname: "/ivc/cms/device/channel",
      query: { DeviceId: "a b" },
      headers: { Host: "h" },
      startSeconds: now,
      validSeconds: 600,
    });
    const theirs = COS.getAuthorization({ SecretId: secretId, SecretKey: secretKey, KeyTime: `${now};${now + 600}`, ...common });
    expect(ours).toBe(theirs);
  });
});

describe("raw UTF-8 in the request target", () => {
  it("signs a raw 门店 and its percent-encoded form as the spec's UrlEncode of the value", () => {
    const raw = splitRequestTarget("/ivc/cms/device/list?Name=门店&PageSize=10");
    const encoded = splitRequestTarget(`/ivc/cms/device/list?Name=${encodeURIComponent("门店")}&PageSize=10`);
    expect(raw).toEqual(encoded);
    expect(raw).toMatchObject({ ok: true, value: { query: [["Name", "门店"], ["PageSize", "10"]] } });
  });
});
