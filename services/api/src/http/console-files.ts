import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join, normalize, sep } from "node:path";
import type { FastifyInstance } from "fastify";

/** Where the console's URL space starts; every file of its build is below it (vite `base`). */
export const CONSOLE_PATH = "/console/";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
};

/**
 * The page may talk only to this origin (the API) and to media URLs the API hands out (the relay's
 * port or another node: any http/ws origin); the player feeds the video element from blob: URLs.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self' http: https: ws: wss:",
  "media-src 'self' blob: http: https:",
  "worker-src 'self' blob:",
  "img-src 'self' data:",
  "style-src 'self' 'unsafe-inline'",
  "frame-ancestors 'none'",
].join("; ");

/** The console's build folder (`packages/console/dist`), found through the workspace's package. */
export function consoleDistDir(): string {
  const manifest = createRequire(import.meta.url).resolve("@ivc/console/package.json");
  return join(dirname(manifest), "dist");
}

/**
 * The web console's static files under /console/ on the API's port: same origin as the API, so
 * its signed requests need no CORS. The files are public (the page holds no secret); every API
 * call the page makes is signed in the browser with the key the person types in.
 */
export function registerConsoleFiles(app: FastifyInstance, distDir: string): void {
  const root = normalize(distDir + sep);
  app.get("/console", async (_request, reply) => reply.redirect(CONSOLE_PATH, 301));
  app.get(`${CONSOLE_PATH}*`, async (request, reply) => {
    const rest = (request.params as { "*": string })["*"];
    const file = normalize(join(root, rest === "" ? "index.html" : rest));
    // `..` or an encoded separator must not leave the build folder.
    const body = file.startsWith(root) ? await readFile(file).catch(() => undefined) : undefined;
    if (body === undefined) {
      const built = await readFile(join(root, "index.html")).then(() => true, () => false);
      const why = built ? `no console file ${rest}` : "the web console is not built: run `npm run build -w @ivc/console` (npm start and npm ci do it)";
      return reply.code(404).type("text/plain; charset=utf-8").send(why);
    }
    // Hashed asset names never change content; index.html must be fetched anew to see a new build.
    const cache = rest.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    return reply
      .type(TYPES[extname(file)] ?? "application/octet-stream")
      .header("Cache-Control", cache)
      .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
      .header("X-Content-Type-Options", "nosniff")
      .send(body);
  });
}
