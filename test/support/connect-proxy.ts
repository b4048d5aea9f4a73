import { connect, createServer } from "node:net";
import type { Socket } from "node:net";

/**
 * An HTTP CONNECT proxy that sends every tunnel to 127.0.0.1 at the asked port, whatever the host:
 * a client (ffmpeg's `-http_proxy`) then reaches a play domain that no resolver knows while still
 * sending that name in SNI and verifying the certificate for it.
 */
export interface LoopbackConnectProxy {
  readonly url: string;
  close(): Promise<void>;
}

export async function startLoopbackConnectProxy(): Promise<LoopbackConnectProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.once("close", () => sockets.delete(client));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      client.off("data", onData);
      const port = Number(/^CONNECT [^\s:]+:(\d+) HTTP\/1\.[01]\r\n/.exec(head.toString("latin1"))?.[1]);
      if (!Number.isInteger(port) || port <= 0) return void client.end("HTTP/1.1 400 Bad Request\r\n\r\n");
      const upstream = connect(port, "127.0.0.1", () => {
        client.write("HTTP/1.1 200 Connection established\r\n\r\n");
        upstream.write(head.subarray(end + 4));
        client.pipe(upstream).pipe(client);
      });
      sockets.add(upstream);
      upstream.once("close", () => sockets.delete(upstream));
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    };
    client.on("data", onData);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
