import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { domainCertificates, domainChanged, sipBye, sipInvite, streamAuthorize } from "@ivc/bus";
import type { DomainCertificatesReply } from "@ivc/bus";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCertificate } from "../../../test/support/certificates.js";
import type { TestCertificate } from "../../../test/support/certificates.js";
import { shardOfChannel } from "../src/shards/placement.js";
import { ssrcToNumber } from "../src/ssrc.js";
import type { TlsMedia } from "../src/tls/index.js";
import { streamPs, testH264, udpSender } from "./support/device.js";
import { portRange, startTestRelay, type TestRelay } from "./support/relay.js";
import { flvTags, wsGet } from "./support/viewers.js";

/** The API's part, played here: the node's play domains and push authorization. */
const api = { domains: [] as DomainCertificatesReply["domains"], asked: 0 };

let t: TestRelay;
let tlsMedia: TlsMedia;
let responders: Array<{ unsubscribe(): void }> = [];
const dir = mkdtempSync(join(tmpdir(), "ivc-tls-test-"));

const alpha = makeCertificate(["alpha.tls.test"]);
const beta = makeCertificate(["beta.tls.test"], { key: "rsa" });
const alphaRenewed = makeCertificate(["alpha.tls.test"]);
const local = makeCertificate(["localhost"]);

const served = (playDomain: string, c: TestCertificate) => ({ playDomain, certPem: c.certPem, keyPem: c.keyPem });
const fingerprint = (c: TestCertificate) => new X509Certificate(c.certPem).fingerprint256;

beforeAll(async () => {
  t = await startTestRelay({ RTP_PORTS: portRange(43700) });
  if (!t.relay.tls) throw new Error("the listening relay process has no TLS listener");
  tlsMedia = t.relay.tls;
  responders = [
    t.bus.reply(domainCertificates, { clusterId: t.clusterId }, () => {
      api.asked++;
      return { domains: api.domains };
    }),
    t.bus.reply(streamAuthorize, { clusterId: t.clusterId }, ({ streamId }) => ({ exists: true, enabled: true, deviceId: streamId, accessProtocol: 1, secretRequired: false })),
  ];
});
afterAll(async () => {
  for (const r of responders) r.unsubscribe();
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Publishes the API's notice and waits until the relay served the new list. */
async function changeDomains(domains: DomainCertificatesReply["domains"], change: "added" | "updated" | "deleted"): Promise<void> {
  api.domains = domains;
  const before = api.asked;
  t.bus.publish(domainChanged, { clusterId: t.clusterId, playDomain: domains[0]?.playDomain ?? "gone.tls.test", change, at: Date.now() });
  await waitFor(() => api.asked > before && tlsMedia.certificates.names.join() === domains.map((d) => d.playDomain).join(), 5000, "relay reloaded its certificates");
}

/** A TLS handshake with `servername` (SNI): the certificate the relay chose, or the handshake error. */
function handshake(servername: string, ca: TestCertificate): Promise<{ fingerprint: string; authorized: boolean } | { error: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port: tlsMedia.port, servername, ca: ca.certPem, rejectUnauthorized: false });
    socket.once("secureConnect", () => {
      resolve({ fingerprint: socket.getPeerX509Certificate()?.fingerprint256 ?? "", authorized: socket.authorized });
      socket.destroy();
    });
    socket.once("error", (err) => resolve({ error: err.message }));
  });
}

describe("TLS listener with SNI", () => {
  it("chooses the certificate by server name and refuses names with no play domain", async () => {
    await changeDomains([served("alpha.tls.test", alpha), served("beta.tls.test", beta)], "added");
    expect(await handshake("alpha.tls.test", alpha)).toEqual({ fingerprint: fingerprint(alpha), authorized: true });
    expect(await handshake("BETA.tls.test", beta)).toEqual({ fingerprint: fingerprint(beta), authorized: true });
    expect(await handshake("gamma.tls.test", alpha)).toHaveProperty("error");
  });

  it("swaps a certificate and drops a deleted domain without a restart", async () => {
    const port = tlsMedia.port;
    await changeDomains([served("alpha.tls.test", alphaRenewed), served("beta.tls.test", beta)], "updated");
    expect(await handshake("alpha.tls.test", alphaRenewed)).toEqual({ fingerprint: fingerprint(alphaRenewed), authorized: true });
    await changeDomains([served("alpha.tls.test", alphaRenewed)], "deleted");
    expect(await handshake("beta.tls.test", beta)).toHaveProperty("error");
    expect(await handshake("alpha.tls.test", alphaRenewed)).toMatchObject({ authorized: true });
    expect(tlsMedia.port).toBe(port);
  });

  it("ignores notices of other nodes and keeps serving when a pair does not load", async () => {
    const before = api.asked;
    t.bus.publish(domainChanged, { clusterId: "another-node", playDomain: "alpha.tls.test", change: "deleted", at: Date.now() });
    await new Promise((r) => setTimeout(r, 200));
    expect(api.asked).toBe(before);
    // A key that is not the certificate's: the relay leaves that domain out and serves the others.
    api.domains = [served("alpha.tls.test", alphaRenewed), { playDomain: "beta.tls.test", certPem: beta.certPem, keyPem: alpha.keyPem }];
    tlsMedia.reload();
    await waitFor(() => api.asked > before, 5000, "relay asked again");
    await waitFor(() => tlsMedia.certificates.names.join() === "alpha.tls.test", 5000, "bad pair left out");
    expect(await handshake("alpha.tls.test", alphaRenewed)).toMatchObject({ authorized: true });
  });
});

describe("live streams over HTTPS and WSS", () => {
  it("plays a pushed RTMP stream through https:// (ffprobe verifying the certificate) and wss://", async () => {
    await changeDomains([served("localhost", local), served("alpha.tls.test", alphaRenewed)], "added");
    const code = `3402000000132${String(process.pid % 1000).padStart(3, "0")}9001`;
    const pusher = spawn(
      "ffmpeg",
      ["-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-t", "20", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-bf", "0", "-f", "flv", `rtmp://127.0.0.1:${t.relay.rtmpPort}/live/${code}`],
      { stdio: "ignore" },
    );
    try {
      await waitFor(() => t.relay.pushed.get(code) !== undefined, 10_000, "push started");
      const caFile = join(dir, "localhost.pem");
      writeFileSync(caFile, local.certPem);
      const url = `https://localhost:${tlsMedia.port}/live/${code}.live.flv`;
      const probed = await new Promise<string>((resolve) => {
        const probe = spawn("ffprobe", ["-v", "error", "-tls_verify", "1", "-ca_file", caFile, "-show_streams", "-of", "json", url], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        probe.stdout.on("data", (d: Buffer) => (out += d.toString()));
        const timer = setTimeout(() => probe.kill("SIGKILL"), 20_000);
        probe.on("exit", () => {
          clearTimeout(timer);
          resolve(out);
        });
      });
      const streams = (JSON.parse(probed || "{}") as { streams?: Array<{ codec_name: string; width?: number; height?: number }> }).streams ?? [];
      expect(streams).toEqual([expect.objectContaining({ codec_name: "h264", width: 320, height: 240 })]);

      const ws = await wsGet(`https://127.0.0.1:${tlsMedia.port}/live/${code}.live.flv`, 100_000, 5000, { ca: alphaRenewed.certPem, servername: "alpha.tls.test" });
      expect(ws.status).toBe(101);
      expect(ws.body.subarray(0, 3).toString("latin1")).toBe("FLV");
      expect(flvTags(ws.body).some((tag) => tag.type === 9)).toBe(true);
    } finally {
      pusher.kill("SIGKILL");
    }
  });
});

describe("a sharded relay over TLS", () => {
  it("pipes a WSS viewer of another shard's stream to that shard, which alone holds the stream", async () => {
    testH264();
    const sharded = await startTestRelay({ RTP_PORTS: portRange(43760, 20), PLAY_TIMEOUT: "5", NO_VIEWER_CLOSE: "2" }, {}, 2);
    const cleanups: Array<() => void> = [];
    const scope = { clusterId: sharded.clusterId };
    const subs = [
      sharded.bus.reply(domainCertificates, scope, () => ({ domains: [served("alpha.tls.test", alpha)] })),
      sharded.bus.reply(sipInvite, scope, (req) => {
        const udp = udpSender("127.0.0.1", req.mediaPort);
        const device = streamPs(ssrcToNumber(req.ssrc), udp.send);
        cleanups.push(() => device.stop(), udp.close);
        return { callId: `call-${req.streamId}` };
      }),
      sharded.bus.reply(sipBye, scope, () => ({ sent: true })),
    ];
    try {
      const media = sharded.relay.tls;
      if (!media) throw new Error("the listening relay process has no TLS listener");
      media.reload();
      await waitFor(() => media.certificates.names.includes("alpha.tls.test"), 5000, "sharded relay loaded its certificate");
      let n = 1;
      let channel = "";
      while (channel === "") {
        const candidate = `3402000000131800${String(n++).padStart(4, "0")}`;
        if (shardOfChannel(candidate, 2) === 1) channel = candidate;
      }
      const streamId = `34020000001320000001_${channel}`;
      const ws = await wsGet(`https://127.0.0.1:${media.port}/live/${streamId}.live.flv`, 100_000, 5000, { ca: alpha.certPem, servername: "alpha.tls.test" });
      expect(ws.status).toBe(101);
      expect(ws.body.subarray(0, 3).toString("latin1")).toBe("FLV");
      expect(sharded.relay.registry.get(streamId)).toBeUndefined();
    } finally {
      subs.forEach((sub) => sub.unsubscribe());
      cleanups.forEach((c) => c());
      await sharded.stop();
    }
  }, 60_000);
});
