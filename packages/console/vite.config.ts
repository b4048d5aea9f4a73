import { defineConfig } from "vite";

// Built into dist/ and served by the API under /console/ (services/api src/http/console-files.ts).
export default defineConfig({
  base: "/console/",
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  // @ivc/signing is bundled from its TypeScript source, as the tests run it.
  resolve: { conditions: ["source", "module", "browser", "development|production"] },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", chunkSizeWarningLimit: 1200 },
  logLevel: "warn",
});
