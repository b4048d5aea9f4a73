import { fileURLToPath } from "node:url";

/** The 49 RFC 4475 torture messages, kept byte for byte inside the repository (binary, see .gitattributes). */
export const RFC4475_DIR = fileURLToPath(new URL("./fixtures/rfc4475/", import.meta.url));
