import { fileURLToPath } from "node:url";

/** The RFC 4475 torture messages live in shared/, beside the repository (in CI too). */
export const RFC4475_DIR = fileURLToPath(new URL("../../../../shared/testdata/rfc4475/", import.meta.url));
