import type { CodeMigration } from "./migrate.js";

/**
 * Seals the device passwords stored in clear text before 0005. A sealed value always holds `:`
 * (`v1:<base64>`), a clear one never does (letters and digits only), so the two are told apart exactly.
 */
export const sealDevicePasswords: CodeMigration = {
  version: "0006_seal_device_passwords",
  async run(session, { box }) {
    const clear = await session.rows("SELECT id, password_enc FROM devices WHERE password_enc <> '' AND strpos(password_enc, ':') = 0", []);
    if (clear.length === 0) return;
    if (!box) throw new Error(`${clear.length} device passwords are stored in clear text; they can be sealed only with the master key`);
    await session.rows("UPDATE devices AS d SET password_enc = v.sealed FROM unnest($1::uuid[], $2::text[]) AS v(id, sealed) WHERE d.id = v.id", [
      clear.map((r) => String(r["id"])),
      clear.map((r) => box.seal(String(r["password_enc"]))),
    ]);
  },
};
