import { createServer as createHttpServer } from "node:http";
import { createServer as createTcpServer, type AddressInfo, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { postSoap } from "../src/onvif/soap-post.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen<T extends Server>(server: T): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

describe("postSoap", () => {
  it("posts the envelope over http and reads the answer, on a connection of its own", async () => {
    const seen: Array<{ body: string; connection: string | undefined; type: string | undefined }> = [];
    const port = await listen(
      createHttpServer((req, res) => {
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString()));
        req.on("end", () => {
          seen.push({ body, connection: req.headers.connection, type: req.headers["content-type"] });
          res.writeHead(200).end("<ok/>");
        });
      }),
    );
    expect(await postSoap(`http://127.0.0.1:${port}/onvif/device_service`, "<env/>", 2000, 1000)).toEqual({ status: 200, text: "<ok/>" });
    expect(seen).toEqual([{ body: "<env/>", connection: "close", type: "application/soap+xml; charset=utf-8" }]);
  });

  it("refuses an answer over the size limit", async () => {
    const port = await listen(createHttpServer((_req, res) => res.writeHead(200).end("x".repeat(5000))));
    await expect(postSoap(`http://127.0.0.1:${port}/`, "<env/>", 2000, 1000)).rejects.toThrow(/1000-byte limit/);
  });

  it("speaks TLS to an https service address", async () => {
    let firstByte: number | undefined;
    const port = await listen(
      createTcpServer((socket) => {
        socket.once("data", (chunk: Buffer) => {
          firstByte = chunk[0];
          socket.destroy();
        });
      }),
    );
    await expect(postSoap(`https://127.0.0.1:${port}/onvif/device_service`, "<env/>", 2000, 1000)).rejects.toThrow();
    // 0x16: a TLS handshake record (the ClientHello), not a plain "POST".
    expect(firstByte).toBe(0x16);
  });
});
