import { spawn } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateTestPattern } from "@ivc/device-sim";
import { makeCertificate } from "./support/certificates.js";
import type { TestCertificate } from "./support/certificates.js";
import { startLoopbackConnectProxy } from "./support/connect-proxy.js";
import { ffprobe } from "./support/ffprobe.js";
import { startGateway, type DescribedDevice, type RunningGateway } from "./support/gateway.js";
import { waitFor } from "./support/wait.js";

// Issue 18 end to end as `npm start` runs it: domain/add through the API → domain.changed → the
// relay fetches the certificate (api.domain.certificates) → HTTPS with SNI on MEDIA_HTTPS_PORT,
// the URL control/stream hands out; update swaps the certificate, delete stops it (41623).

const NODE_HOST = "node.e2e.test";
let gw: RunningGateway;
let clusterId: string;
let video: string;
const dir = mkdtempSync(join(tmpdir(), "ivc-e2e-domains-"));

beforeAll(async () => {
  const pattern = await generateTestPattern();
  if (pattern === undefined) throw new Error("ffmpeg is needed to make the test picture (npm test installs it)");
  video = pattern;
  gw = await startGateway({ NODE_PUBLIC_HOST: NODE_HOST, DOMAIN_CNAME_CHECK: "false" });
  clusterId = (await gw.call<Array<{ Value: string }>>("GET", "/ivc/cms/config/getallregion")).Data[0]!.Value;
}, 150_000);
afterAll(async () => {
  await gw?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The fingerprint of the certificate the relay presents for `servername`, or undefined when the handshake fails. */
function presented(servername: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port: Number(gw.env.MEDIA_HTTPS_PORT), servername, rejectUnauthorized: false });
    socket.once("secureConnect", () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256);
      socket.destroy();
    });
    socket.once("error", () => resolve(undefined));
  });
}

const fingerprint = (c: TestCertificate) => new X509Certificate(c.certPem).fingerprint256;

describe("a play domain bound through the API", () => {
  it("is served by the relay over HTTPS with its certificate, swapped on update and gone after delete", async () => {
    expect((await gw.call<string>("GET", `/ivc/cms/domain/cname?ClusterId=${clusterId}`)).Data).toBe(NODE_HOST);
    const added = await gw.call<DescribedDevice>("POST", "/ivc/cms/device/add", { Name: "tls推流", AccessProtocol: 1, Type: 1, OrganizationId: "0", ClusterId: clusterId });
    const d = (await gw.call<DescribedDevice>("GET", `/ivc/cms/device/describe?Id=${added.Data.Id}`)).Data;
    const push = spawn("ffmpeg", ["-v", "error", "-re", "-stream_loop", "-1", "-f", "h264", "-r", "25", "-i", video, "-c", "copy", "-f", "flv", d.PushStreamUrl], { stdio: "ignore" });
    try {
      await expect.poll(async () => (await gw.call<DescribedDevice>("GET", `/ivc/cms/device/describe?Id=${d.Id}`)).Data.Status, { timeout: 15_000 }).toBe(1);

      const first = makeCertificate(["localhost"]);
      const oneLabel = await gw.call("POST", "/ivc/cms/domain/add", { PlayDomain: "localhost.", InternalDomain: NODE_HOST, ClusterId: clusterId, Key: first.keyPem, Cert: first.certPem });
      // "localhost." is not a host name of two labels: refused before anything is stored.
      expect(oneLabel.StatusCode).toBe(40005);
      const foreignKey = await gw.call("POST", "/ivc/cms/domain/add", {
        PlayDomain: "play.localhost",
        InternalDomain: NODE_HOST,
        ClusterId: clusterId,
        Key: first.keyPem,
        Cert: makeCertificate(["play.localhost"]).certPem,
      });
      // The key must be the certificate's.
      expect(foreignKey.StatusCode).toBe(41619);

      const cert = makeCertificate(["e2e.localhost"]);
      const ok = await gw.call<{ Id: string; PlayDomain: string }>("POST", "/ivc/cms/domain/add", { PlayDomain: "e2e.localhost", InternalDomain: NODE_HOST, ClusterId: clusterId, Key: cert.keyPem, Cert: cert.certPem });
      expect(ok.StatusCode, JSON.stringify(ok)).toBe(200);
      await waitFor("the relay to serve e2e.localhost", async () => ((await presented("e2e.localhost")) === fingerprint(cert) ? true : undefined));

      const urls = await gw.call<{ Flv: string; Hls: string }>("POST", "/ivc/cms/control/stream", { DeviceId: d.Id });
      expect(urls.Data.Flv.startsWith(`https://e2e.localhost:${gw.env.MEDIA_HTTPS_PORT}/live/${d.Code}.live.flv`)).toBe(true);
      // No resolver knows e2e.localhost: ffprobe tunnels to the relay through a CONNECT proxy, still
      // sending the name in SNI and verifying the certificate for it.
      const caFile = join(dir, "ca.pem");
      writeFileSync(caFile, cert.certPem);
      const proxy = await startLoopbackConnectProxy();
      try {
        const probe = await ffprobe(["-http_proxy", proxy.url, "-tls_verify", "1", "-ca_file", caFile, "-rw_timeout", "15000000", "-show_entries", "stream=codec_name", "-select_streams", "v:0", "-of", "default=nw=1", urls.Data.Flv]);
        expect(probe.stdout.trim(), probe.stderr).toBe("codec_name=h264");
      } finally {
        await proxy.close();
      }

      const renewed = makeCertificate(["e2e.localhost"], { key: "rsa" });
      const updated = await gw.call("POST", "/ivc/cms/domain/update", { Id: ok.Data.Id, Key: renewed.keyPem, Cret: renewed.certPem });
      expect(updated.StatusCode, JSON.stringify(updated)).toBe(200);
      await waitFor("the relay to serve the renewed certificate", async () => ((await presented("e2e.localhost")) === fingerprint(renewed) ? true : undefined));

      expect((await gw.call("DELETE", `/ivc/cms/domain/delete?Id=${ok.Data.Id}`)).StatusCode).toBe(200);
      await waitFor("the relay to drop e2e.localhost", async () => ((await presented("e2e.localhost")) === undefined ? true : undefined));
      expect((await gw.call("POST", "/ivc/cms/control/stream", { DeviceId: d.Id })).StatusCode).toBe(41623);
    } finally {
      push.kill("SIGKILL");
    }
  }, 120_000);
});
