import { webHmacSha1Hex, webSha1Hex, webSigningParts, type SignInput } from "@ivc/signing";
import { describe, expect, it } from "vitest";
import { parseAuthorization, signatureMatches, signingParts, splitRequestTarget } from "../src/signing/index.js";

// The web console's signer (Web Crypto) against the API's (Node crypto): same vectors, same verifier.

// Worked example 2 of the seed (spec 01 §1.4): the SecretKey is masked there, so the vector starts at SignKey.
const example2 = {
  keyTime: "1671039836;1671043436",
  httpString: "post\n/ivc/cms/device/add\n\ncontent-type=application/json&host=ivc.myqcloud.com\n",
  signKey: "82f0e7ee09b1070dc6f3a37c41b01bc2eaf43ced",
  sha1: "d5c37ed1e8f7fd51d14853f8e9e81869f32fdc54",
  signature: "2fab8f7909236046e789b4ea483330ec6df91331",
};

const inputs: SignInput[] = [
  {
    secretId: "AKIDconsole",
    secretKey: "s3cr3t-key",
    method: "POST",
    pathname: "/ivc/cms/device/list",
    headers: { Host: "127.0.0.1:8080", "Content-Type": "application/json" },
    startSeconds: 1_700_000_000,
    validSeconds: 300,
  },
  {
    secretId: "AKID中文",
    secretKey: "键 with spaces & symbols !'()*",
    method: "GET",
    pathname: "/ivc/urm/resource/getUserResources",
    query: { OrganizationId: "0", Name: "一号 门店/东", "a+b": "x=y&z" },
    headers: { Host: "gateway.local" },
    startSeconds: 1_671_038_349,
    validSeconds: 3600,
  },
];

describe("web console signer (Web Crypto) agrees with the API's signer", () => {
  it("reproduces the seed's worked example 2 from SignKey", async () => {
    expect(await webSha1Hex(example2.httpString)).toBe(example2.sha1);
    const stringToSign = `sha1\n${example2.keyTime}\n${example2.sha1}\n`;
    expect(await webHmacSha1Hex(example2.signKey, stringToSign)).toBe(example2.signature);
  });

  it.each(inputs.map((input, i) => [i, input] as const))("input %i: every intermediate equals signingParts()", async (_i, input) => {
    expect(await webSigningParts(input)).toEqual(signingParts(input));
  });

  it("a web-signed request passes the API's verifier, and fails with another key", async () => {
    const input = inputs[1]!;
    const parts = await webSigningParts(input);
    const target = splitRequestTarget("/ivc/urm/resource/getUserResources?OrganizationId=0&Name=%E4%B8%80%E5%8F%B7%20%E9%97%A8%E5%BA%97%2F%E4%B8%9C&a%2Bb=x%3Dy%26z");
    if (!target.ok) throw new Error(target.reason);
    const auth = parseAuthorization(parts.authorization);
    if (!auth.ok) throw new Error(auth.reason);
    const request = { method: "GET", ...target.value, headers: { host: "gateway.local" } };
    expect(signatureMatches(auth.value, request, input.secretKey)).toBe(true);
    expect(signatureMatches(auth.value, request, "another key")).toBe(false);
  });
});
