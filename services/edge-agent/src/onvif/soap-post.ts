import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface SoapAnswer {
  status: number;
  text: string;
}

/**
 * POSTs one SOAP 1.2 request and reads the answer, up to `maxBytes`. Each call has its own
 * connection (`agent: false`, so `Connection: close`) and its own timer, both gone when the call
 * ends: a camera that was removed or went offline keeps no socket or timer of the box alive, and
 * the box's few ONVIF calls a second do not need connection reuse on a LAN. Service addresses
 * may be http or https (as a camera's XAddrs say).
 */
export function postSoap(url: string, body: string, timeoutMs: number, maxBytes: number): Promise<SoapAnswer> {
  return new Promise((resolve, reject) => {
    const request = /^https:/i.test(url) ? httpsRequest : httpRequest;
    const req = request(url, { method: "POST", agent: false, headers: { "content-type": "application/soap+xml; charset=utf-8", "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      let total = 0;
      res.on("data", (chunk: Buffer) => {
        total += chunk.length;
        // Rejected here, at once: destroying the request may still let the response emit 'end'.
        if (total > maxBytes) fail(new Error(`body exceeds the ${maxBytes}-byte limit`));
        else chunks.push(chunk);
      });
      res.on("end", () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
      });
      res.on("error", fail);
    });
    function fail(err: Error): void {
      clearTimeout(timer);
      req.destroy();
      reject(err);
    }
    const timer = setTimeout(() => fail(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on("error", fail);
    req.end(body);
  });
}
