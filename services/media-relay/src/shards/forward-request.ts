import { request, type IncomingMessage, type ServerResponse } from "node:http";

/**
 * Serves one request from the shard that owns its stream, through that shard's loopback HTTP
 * port. Needed only for a kept-alive connection whose later request names a stream of another
 * shard (connections are routed by their first request); the owner checks pull authentication
 * itself, with the request's own query.
 */
export function forwardRequest(req: IncomingMessage, res: ServerResponse, host: string, port: number): void {
  const upstream = request({ host, port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on("error", (err) => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: `relay shard unreachable: ${err.message}`, stage: "relay" }));
  });
  res.on("close", () => upstream.destroy());
  req.pipe(upstream);
}
