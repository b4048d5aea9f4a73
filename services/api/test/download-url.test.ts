import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox } from "../src/accounts/secret-box.js";
import { DOWNLOAD_URL_PURPOSE, DOWNLOAD_URL_VALID_SECONDS, formatSource, parseSource, signDownload, verifyDownload, type DownloadMac } from "../src/recordings/download-url.js";

// Download URL signing (spec 02 §24): every field bound, valid 10 minutes, refusals 42503 / 42504.

const box = createSecretBox(randomBytes(32));
const mac: DownloadMac = (text) => box.mac(DOWNLOAD_URL_PURPOSE, text);
const source = { channelId: "4dfb778c-fe2b-4892-92c6-ec361f59f4ab", beginTime: 1668996000, endTime: 1668996600, fileType: "mp4" as const };
const now = 1671000320;

describe("download URL signing", () => {
  it("signs the spec's query shape: source ChannelId;Begin;End;Type, 32-hex res and sign, expires 600", () => {
    const q = signDownload(mac, source, now);
    expect(q.source).toBe("4dfb778c-fe2b-4892-92c6-ec361f59f4ab;1668996000;1668996600;mp4");
    expect(q.res).toMatch(/^[0-9a-f]{32}$/);
    expect(q.sign).toMatch(/^[0-9a-f]{32}$/);
    expect(q.expires).toBe("600");
    expect(q.signTime).toBe(String(now));
    expect(signDownload(mac, source, now).res).not.toBe(q.res);
    expect(verifyDownload(mac, q, now)).toEqual({ ok: true, source, res: q.res });
  });

  it("is valid through signTime + 600 s and expired (42504) one second later", () => {
    const q = signDownload(mac, source, now);
    expect(verifyDownload(mac, q, now + DOWNLOAD_URL_VALID_SECONDS).ok).toBe(true);
    expect(verifyDownload(mac, q, now + DOWNLOAD_URL_VALID_SECONDS + 1)).toMatchObject({ ok: false, error: "expired" });
  });

  it("refuses every changed field as a bad URL (42503), including a longer validity, before looking at the time", () => {
    const q = signDownload(mac, source, now);
    const changed = [
      { source: formatSource({ ...source, endTime: source.endTime + 1 }) },
      { source: formatSource({ ...source, fileType: "ts" }) },
      { source: formatSource({ ...source, channelId: "5dfb778c-fe2b-4892-92c6-ec361f59f4ab" }) },
      { res: "0".repeat(32) },
      { expires: "6000" },
      { signTime: String(now + 3600) },
      { sign: (q.sign[0] === "0" ? "1" : "0") + q.sign.slice(1) },
    ];
    for (const change of changed) expect(verifyDownload(mac, { ...q, ...change }, now + 10_000), JSON.stringify(change)).toMatchObject({ ok: false, error: "invalidUrl" });
  });

  it("refuses a URL signed with another master key, and malformed fields, as 42503", () => {
    const other = createSecretBox(randomBytes(32));
    const q = signDownload((text) => other.mac(DOWNLOAD_URL_PURPOSE, text), source, now);
    expect(verifyDownload(mac, q, now)).toMatchObject({ ok: false, error: "invalidUrl" });
    const good = signDownload(mac, source, now);
    for (const bad of [{ sign: "zz" }, { sign: good.sign.toUpperCase() }, { res: "" }, { expires: "-1" }, { signTime: "1e9" }]) {
      expect(verifyDownload(mac, { ...good, ...bad }, now), JSON.stringify(bad)).toMatchObject({ ok: false, error: "invalidUrl" });
    }
  });

  it("signs under a key of its own purpose: the master key's other MACs do not verify", () => {
    const q = signDownload((text) => box.mac("another purpose", text), source, now);
    expect(verifyDownload(mac, q, now)).toMatchObject({ ok: false, error: "invalidUrl" });
    // Nor does a plain HMAC under a guessable key.
    const plain = signDownload((text) => createHmac("sha256", "").update(text).digest(), source, now);
    expect(verifyDownload(mac, plain, now)).toMatchObject({ ok: false, error: "invalidUrl" });
  });

  it("parses only ChannelId;BeginTime;EndTime;mp4|ts", () => {
    expect(parseSource(formatSource(source))).toEqual(source);
    for (const bad of ["", "x;1;2;mp4", `${source.channelId};1;2;avi`, `${source.channelId};1;2`, `${source.channelId};1;2;mp4;x`]) expect(parseSource(bad)).toBeUndefined();
  });
});
