import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Db } from "../db/database.js";
import { ErrorCodes } from "../errors/codes.js";
import type { ErrorDef } from "../errors/codes.js";
import { failureEnvelope } from "../http/envelope.js";
import { BUNDLE_ROUTE, BUNDLE_SUFFIX, checkBundleSignature } from "../releases/bundle-url.js";
import { findGatewayByGwId } from "../store/gateways.js";
import { findRelease } from "../store/releases.js";

export interface ReleaseDownloadDeps {
  readonly db: Db;
  /** IVC_VAR_DIR/releases, where `ivc release publish` copies bundles. */
  readonly releasesDir: string;
  readonly nowSeconds: () => number;
}

type DownloadRequest = FastifyRequest<{ Params: { file: string }; Querystring: Record<string, unknown> }>;

/** A real HTTP status, not the table's 200: the box's downloader only looks at the status. */
function refuseDownload(request: FastifyRequest, reply: FastifyReply, httpStatus: number, error: ErrorDef, detail: string) {
  return reply.code(httpStatus).send(failureEnvelope(request.id, { error, detail }));
}

const text = (value: unknown) => (typeof value === "string" ? value : "");

/**
 * GET /ivc/releases/<version>.bundle with the signed query `gateway.upgrade` hands the box
 * (releases/bundle-url.ts). Outside the signed REST API: a box holds no SecretKey.
 */
export function registerReleaseDownload(app: FastifyInstance, deps: ReleaseDownloadDeps): void {
  app.get(BUNDLE_ROUTE, async (request: DownloadRequest, reply) => {
    const { file } = request.params;
    if (!file.endsWith(BUNDLE_SUFFIX)) return refuseDownload(request, reply, 404, ErrorCodes.RecordNotFound, "no such bundle");
    const version = file.slice(0, -BUNDLE_SUFFIX.length);
    const gwId = text(request.query["GwId"]);
    const expiresText = text(request.query["Expires"]);
    const signature = text(request.query["Signature"]);
    if (gwId === "" || !/^\d{1,12}$/.test(expiresText) || signature === "") {
      return refuseDownload(request, reply, 403, ErrorCodes.InvalidDownloadUrl, "GwId, Expires and Signature are required");
    }
    const gateway = await findGatewayByGwId(deps.db, gwId);
    if (!gateway) return refuseDownload(request, reply, 403, ErrorCodes.InvalidDownloadUrl, "the URL's gateway does not exist");
    const check = checkBundleSignature(version, gateway, Number(expiresText), signature, deps.nowSeconds());
    if (!check.ok) {
      return check.reason === "expired"
        ? refuseDownload(request, reply, 403, ErrorCodes.DownloadUrlExpired, "the URL has expired; call upgrade again")
        : refuseDownload(request, reply, 403, ErrorCodes.InvalidDownloadUrl, "signature does not match");
    }
    const release = await findRelease(deps.db, version);
    if (!release) return refuseDownload(request, reply, 404, ErrorCodes.RecordNotFound, `release ${version} is not published`);
    const path = join(deps.releasesDir, basename(release.file));
    const size = await stat(path).then((s) => s.size, () => undefined);
    if (size === undefined) {
      request.log.error({ path, version }, "published release bundle is missing on disk");
      return refuseDownload(request, reply, 404, ErrorCodes.RecordNotFound, `release ${version} is not on this API instance`);
    }
    return reply
      .header("Content-Type", "application/octet-stream")
      .header("Content-Length", String(size))
      .header("Digest", `sha-256=${Buffer.from(release.sha256, "hex").toString("base64")}`)
      .send(createReadStream(path));
  });
}
