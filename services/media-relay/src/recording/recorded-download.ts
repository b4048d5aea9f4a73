import { randomUUID } from "node:crypto";
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { downloadErrors, recordingDownloadAuthorize, type Bus, type DownloadError, type DownloadGrant } from "@ivc/bus";
import type { Logger } from "@ivc/runtime";
import { FfmpegProcess } from "../ffmpeg.js";
import { DOWNLOAD_PATH } from "../media-paths.js";
import { StorageMissingError, type SegmentStorage } from "./storage/segment-storage.js";

export interface RecordedDownloadDeps {
  bus: Bus;
  clusterId: string;
  storage: SegmentStorage;
  logger: Logger;
  /** Downloads served at once by this relay, all accounts together (RECORDING_DOWNLOAD_CONCURRENCY). */
  maxConcurrent: number;
  /** How long the API may take to verify a URL. */
  authorizeTimeoutMs: number;
  ffmpegBinary?: string;
}

const QUERY_FIELDS = ["source", "res", "expires", "signTime", "sign"] as const;
type SignedQuery = Record<(typeof QUERY_FIELDS)[number], string>;

/**
 * ffmpeg remuxes the stored MPEG-TS to fragmented MP4 on a pipe: `-c copy` (recordings hold H.264/
 * H.265 and AAC only; G.711 is never recorded, docs/architecture.md), an empty moov and a fragment
 * per keyframe so the first bytes leave after the first GOP instead of after the whole file.
 */
const MP4_ARGS = ["-f", "mpegts", "-i", "pipe:0", "-map", "0:v:0", "-map", "0:a:0?", "-c", "copy", "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", "pipe:1"];

const CONTENT_TYPE = { mp4: "video/mp4", ts: "video/mp2t" } as const;

/**
 * Spec 02 §24 download host: `GET /video.<mp4|ts>?source=&res=&expires=&signTime=&sign=`. The API
 * verifies the signed query and answers the standard segments of the range (or the 425xx code);
 * the file goes out chunked as `{ChannelId}-{BeginTime}-{EndTime}.{FileType}`: TS as the stored
 * segments one after another (whole segments: each starts on a keyframe), MP4 remuxed from them.
 * Refusals use the API's envelope with the HTTP status the table prints.
 */
export class RecordedDownload {
  private active = 0;

  constructor(private readonly deps: RecordedDownloadDeps) {}

  /** Downloads running now. */
  get running(): number {
    return this.active;
  }

  handle(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== "GET") return false;
    const url = new URL(req.url ?? "/", "http://relay");
    const match = DOWNLOAD_PATH.exec(url.pathname);
    if (match === null) return false;
    const requestId = randomUUID();
    void this.serve(match[1] as "mp4" | "ts", url.searchParams, requestId, res).catch((err: Error) => {
      this.deps.logger.warn({ requestId, stage: "download", err: err.message }, "recording download failed");
      if (!res.headersSent) refuse(res, requestId, "unavailable", "the download failed; quote RequestId");
      else res.destroy();
    });
    return true;
  }

  private async serve(pathType: "mp4" | "ts", query: URLSearchParams, requestId: string, res: ServerResponse): Promise<void> {
    const signed = signedQuery(query);
    if (signed === undefined) return refuse(res, requestId, "invalidUrl", `the URL needs each of ${QUERY_FIELDS.join(", ")} once`);
    let reply;
    try {
      reply = await this.deps.bus.request(recordingDownloadAuthorize, { clusterId: this.deps.clusterId }, signed, { timeoutMs: this.deps.authorizeTimeoutMs });
    } catch (err) {
      this.deps.logger.warn({ requestId, res: signed.res, stage: "download authorize", err: err instanceof Error ? err.message : String(err) }, "the API could not verify a download URL");
      return refuse(res, requestId, "unavailable", "the API could not be asked to verify the URL; try again");
    }
    if (!reply.ok) {
      this.deps.logger.info({ requestId, res: signed.res, stage: "download authorize", code: downloadErrors[reply.error].statusCode, reason: reply.detail }, "download refused");
      return refuse(res, requestId, reply.error, reply.detail);
    }
    if (reply.fileType !== pathType) return refuse(res, requestId, "invalidUrl", `the path names .${pathType}, the URL was issued for ${reply.fileType}`);
    if (this.active >= this.deps.maxConcurrent) {
      return refuse(res, requestId, "tooMany", `this relay serves ${this.deps.maxConcurrent} downloads at once; try again when one has finished`);
    }
    this.active++;
    res.once("close", () => this.active--);
    const context = { requestId, res: signed.res, deviceId: reply.deviceId, channelId: reply.channelId, fileType: reply.fileType, segments: reply.segments.length };
    this.deps.logger.info({ ...context, stage: "download" }, "download started");
    const headers = {
      "content-type": CONTENT_TYPE[reply.fileType],
      "content-disposition": `attachment; filename="${reply.channelUuid}-${reply.beginTime}-${reply.endTime}.${reply.fileType}"`,
      "cache-control": "no-store",
    };
    if (reply.fileType === "ts") await this.sendTs(reply, headers, requestId, res, context);
    else await this.sendMp4(reply, headers, requestId, res, context);
  }

  /** The stored segments in order, written as they are read (one read ahead), with the socket's back-pressure. */
  private async sendTs(grant: DownloadGrant, headers: OutgoingHttpHeaders, requestId: string, res: ServerResponse, context: object): Promise<void> {
    for await (const data of this.segmentBytes(grant, context)) {
      if (res.destroyed) return;
      if (!res.headersSent) res.writeHead(200, headers);
      if (!res.write(data)) await drained(res);
    }
    if (!res.headersSent) return refuse(res, requestId, "notFound", "none of the range's segments is in storage any more");
    res.end();
  }

  /**
   * The segments fed to ffmpeg's stdin, its fragmented MP4 sent as it comes; headers leave with
   * the first fragment, so a remux that fails at once is still answered in the envelope. A client
   * that leaves kills ffmpeg; a failure after the first byte cuts the connection (the chunked body
   * then lacks its last chunk, which a client sees as an incomplete file).
   */
  private async sendMp4(grant: DownloadGrant, headers: OutgoingHttpHeaders, requestId: string, res: ServerResponse, context: object): Promise<void> {
    let onExit: (code: number | null) => void = () => undefined;
    const exited = new Promise<number | null>((resolve) => (onExit = resolve));
    const ffmpeg = new FfmpegProcess({
      args: MP4_ARGS,
      cwd: "/",
      extraInputPipes: 0,
      output: true,
      logger: this.deps.logger,
      context: { ...context, stage: "download remux" },
      onExit: (code) => onExit(code),
      ...(this.deps.ffmpegBinary !== undefined ? { binary: this.deps.ffmpegBinary } : {}),
    });
    let left = false;
    res.once("close", () => {
      if (res.writableFinished) return;
      left = true;
      ffmpeg.kill();
      this.deps.logger.info({ ...context, stage: "download" }, "the client left the download; ffmpeg stopped");
    });
    const stdout = ffmpeg.output()!;
    stdout.on("data", (chunk: Buffer) => {
      if (res.destroyed) return;
      if (!res.headersSent) res.writeHead(200, headers);
      if (!res.write(chunk)) {
        stdout.pause();
        void drained(res).then(() => stdout.resume());
      }
    });
    const outputEnded = new Promise<void>((resolve) => stdout.once("close", resolve));
    let fed = 0;
    let feedError: Error | undefined;
    try {
      const stdin = ffmpeg.input(0)!;
      for await (const data of this.segmentBytes(grant, context)) {
        if (left || !ffmpeg.running) break;
        fed++;
        if (!stdin.write(data)) await drained(stdin);
      }
      stdin.end();
    } catch (err) {
      feedError = err instanceof Error ? err : new Error(String(err));
      this.deps.logger.warn({ ...context, stage: "download read", err: feedError.message }, "reading a segment for the download failed");
      ffmpeg.kill();
    }
    const [code] = await Promise.all([exited, outputEnded]);
    if (left) return;
    if (code === 0 && feedError === undefined && res.headersSent) {
      res.end();
      return;
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (fed === 0 && feedError === undefined) return refuse(res, requestId, "notFound", "none of the range's segments is in storage any more");
    if (code !== 0 && feedError === undefined) this.deps.logger.warn({ ...context, stage: "download remux", exitCode: code }, "ffmpeg failed to remux the download");
    refuse(res, requestId, "unavailable", "the MP4 could not be made; quote RequestId");
  }

  /** Each segment's bytes, the next one read while this one is written; a segment gone from storage meanwhile is skipped (logged). */
  private async *segmentBytes(grant: DownloadGrant, context: object): AsyncGenerator<Buffer> {
    const read = (key: string) => {
      const reading = this.deps.storage.read(key, "standard");
      reading.catch(() => undefined); // awaited below; a download left early must not leave it unhandled
      return reading;
    };
    let next = grant.segments.length > 0 ? read(grant.segments[0]!.objectKey) : undefined;
    for (let i = 0; next !== undefined; i++) {
      const current = next;
      next = i + 1 < grant.segments.length ? read(grant.segments[i + 1]!.objectKey) : undefined;
      try {
        yield await current;
      } catch (err) {
        if (!(err instanceof StorageMissingError)) throw err;
        this.deps.logger.warn({ ...context, stage: "download read", objectKey: grant.segments[i]!.objectKey }, "an indexed segment is not in storage; the download skips it");
      }
    }
  }
}

function signedQuery(query: URLSearchParams): SignedQuery | undefined {
  const fields: Partial<SignedQuery> = {};
  for (const name of QUERY_FIELDS) {
    const values = query.getAll(name);
    if (values.length !== 1 || values[0]!.length > 256) return undefined;
    fields[name] = values[0];
  }
  return fields as SignedQuery;
}

/** Resolves when `stream` can take more, or is gone. */
function drained(stream: NodeJS.WritableStream & { once(event: "close", listener: () => void): unknown; off(event: string, listener: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.once("drain", done);
    stream.once("close", done);
  });
}

/** The API's error envelope (docs/api-decisions.md "Envelope and errors"), with the table's HTTP status. */
function refuse(res: ServerResponse, requestId: string, error: DownloadError, detail: string): void {
  const def = downloadErrors[error];
  const body = JSON.stringify({ RequestId: requestId, Code: 500, StatusCode: def.statusCode, Message: def.message, Data: detail });
  res.writeHead(def.httpStatus, { "content-type": "application/json", "cache-control": "no-store", server: "tencent-iss", requestid: requestId, "content-length": Buffer.byteLength(body) });
  res.end(body);
}
