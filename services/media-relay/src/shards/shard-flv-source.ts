import { get, type ClientRequest, type IncomingMessage } from "node:http";
import type { FlvViewer } from "../flv-fanout.js";

/** A stream another shard owns, as FLV over its loopback port, ready to feed a viewer here. */
export interface ShardFlvSource {
  attach(viewer: FlvViewer): boolean;
}

/**
 * RTMP players connect to shard 0 (it alone parses RTMP); a GB stream of another shard reaches
 * them as that shard's HTTP-FLV, which an RTMP viewer already takes (rtmp-player.ts cuts FLV into
 * RTMP messages). Resolves once the owner answers 200, i.e. once the stream has a keyframe; a
 * refusal arrives with the owner's stage and message. A viewer over `maxBufferedBytes` is dropped
 * like a slow viewer of the owner.
 */
export function pullFromShard(port: number, streamId: string, query: URLSearchParams, maxBufferedBytes: number): Promise<ShardFlvSource> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = get({ host: "127.0.0.1", port, path: `/live/${streamId}.live.flv?${query.toString()}` }, (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c.slice(0, 4096)));
        res.on("end", () => {
          const body = safeJson(text);
          reject(new Error(`${body?.stage !== undefined ? `${body.stage}: ` : ""}${body?.error ?? `relay shard answered ${res.statusCode}`}`));
        });
        return;
      }
      resolve({
        attach(viewer) {
          res.on("data", (chunk: Buffer) => {
            if (viewer.bufferedBytes > maxBufferedBytes) {
              viewer.close(`slow viewer: ${viewer.bufferedBytes} bytes unsent`, "abort");
              req.destroy();
              return;
            }
            viewer.write(chunk);
          });
          res.on("end", () => viewer.close("stream ended", "end"));
          res.on("error", () => viewer.close("relay shard connection lost", "going-away"));
          viewer.onClose(() => req.destroy());
          return true;
        },
      });
    });
    req.on("error", (err) => reject(new Error(`relay shard unreachable: ${err.message}`)));
  });
}

function safeJson(text: string): { error?: string; stage?: string } | undefined {
  try {
    return JSON.parse(text) as { error?: string; stage?: string };
  } catch {
    return undefined;
  }
}
