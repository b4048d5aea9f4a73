import { open } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { readBoundedBody } from "../bounded-body.js";

/**
 * Fetches a bundle from an http(s) URL served by the platform, a file:// URL or a plain path on
 * the box, refusing anything larger than `maxBytes` before holding it all in memory.
 */
export async function downloadBundle(location: string, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  if (/^https?:\/\//i.test(location)) return downloadHttp(location, maxBytes, timeoutMs);
  const path = location.startsWith("file://") ? fileURLToPath(location) : location;
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new Error(`bundle is ${size} bytes, over the ${maxBytes}-byte limit`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

async function downloadHttp(url: string, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (res.status !== 200) throw new Error(`download answered HTTP ${res.status}`);
  return readBoundedBody(res, maxBytes);
}
