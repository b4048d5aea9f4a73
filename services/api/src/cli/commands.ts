import { createAccount, listAccounts } from "../accounts/accounts.js";
import { createKey, createTemporaryCredential, listKeys, revokeKey } from "../accounts/keys.js";
import type { KeyStoreDeps } from "../accounts/keys.js";
import { API_USAGE } from "./api-command.js";
import type { ParsedArgs } from "./args.js";
import { DAILY_USAGE } from "./daily-commands.js";
import { GATEWAY_USAGE, gatewayCommandEnv, runGatewayCommand } from "./gateway-commands.js";
import type { GatewayCommandEnv } from "./gateway-commands.js";

export const USAGE = `usage: ivc <command>
  accounts create [--name NAME] [--app-id APPID]   create an account (AppId generated when omitted)
  accounts list
  keys create --app-id APPID [--description TEXT] create a permanent key; the SecretKey is shown once
  keys list [--app-id APPID]                       list keys (never their secrets)
  keys revoke SECRET_ID                            revoke a key at once
  keys temp --app-id APPID [--ttl SECONDS]         temporary credentials: SecretId, SecretKey, token, expiry (default 3600 s)
${GATEWAY_USAGE}
through the running API (signed HTTP, never the database):
${API_USAGE}
${DAILY_USAGE}
  exit status: 0 done, 1 refused (StatusCode not 200, or the relay said no), 2 API/relay unreachable, 64 usage
environment: API_URL or API_PORT (http://127.0.0.1:8080), MEDIA_URL or MEDIA_HTTP_PORT (http://127.0.0.1:8088),
  IVC_SECRET_ID/IVC_SECRET_KEY (else the key npm start kept in IVC_VAR_DIR/first-key.json);
  for the other commands: DATABASE_URL (unset: PGlite under IVC_VAR_DIR/db, through the running API when one holds it),
  IVC_MASTER_KEY or IVC_VAR_DIR/master.key, IVC_VAR_DIR (./var),
  IVC_RELEASE_PUBLIC_KEY (for release publish: path of the Ed25519 release public key PEM, or that PEM in base64)`;

export type CommandResult = { ok: true; lines: string[] } | { ok: false; reason: string };

function required(args: ParsedArgs, flag: string): string | undefined {
  const value = args.flags.get(flag);
  return value === undefined || value === "" ? undefined : value;
}

const iso = (d: Date | null) => (d ? d.toISOString() : "-");

/** Runs one CLI command against the store; operator mistakes come back as `{ ok: false }`. */
export async function runCommand(deps: KeyStoreDeps, args: ParsedArgs, gatewayEnv: GatewayCommandEnv = gatewayCommandEnv(process.env)): Promise<CommandResult> {
  const { db } = deps;
  const command = `${args.group} ${args.action}`;
  try {
    switch (command) {
      case "accounts create": {
        const account = await createAccount(db, args.flags.get("name") ?? "", required(args, "app-id"));
        return { ok: true, lines: [JSON.stringify({ AppId: account.appId, Name: account.name })] };
      }
      case "accounts list":
        return { ok: true, lines: (await listAccounts(db)).map((a) => `${a.appId}\t${a.name}\t${a.createdAt.toISOString()}`) };
      case "keys create": {
        const appId = required(args, "app-id");
        if (!appId) return { ok: false, reason: "keys create needs --app-id" };
        const key = await createKey(deps, appId, args.flags.get("description") ?? "");
        return { ok: true, lines: [JSON.stringify({ AppId: key.appId, SecretId: key.secretId, SecretKey: key.secretKey })] };
      }
      case "keys list":
        return {
          ok: true,
          lines: (await listKeys(db, required(args, "app-id"))).map((k) =>
            [k.secretId, k.appId, k.temporary ? "temporary" : "permanent", `expires ${iso(k.expiresAt)}`, `revoked ${iso(k.revokedAt)}`, k.description].join("\t"),
          ),
        };
      case "keys revoke": {
        const secretId = args.positional[0];
        if (!secretId) return { ok: false, reason: "keys revoke needs a SecretId" };
        return (await revokeKey(db, secretId)) ? { ok: true, lines: [`revoked ${secretId}`] } : { ok: false, reason: `no live key ${secretId}` };
      }
      case "keys temp": {
        const appId = required(args, "app-id");
        if (!appId) return { ok: false, reason: "keys temp needs --app-id" };
        const ttlText = args.flags.get("ttl") ?? "3600";
        if (!/^\d{1,9}$/.test(ttlText) || Number(ttlText) === 0) return { ok: false, reason: "--ttl must be a positive number of seconds" };
        const temp = await createTemporaryCredential(deps, appId, Number(ttlText));
        return {
          ok: true,
          lines: [
            JSON.stringify({
              AppId: temp.appId,
              TmpSecretId: temp.secretId,
              TmpSecretKey: temp.secretKey,
              SecurityToken: temp.token,
              ExpiredTime: Math.floor(temp.expiresAt.getTime() / 1000),
            }),
          ],
        };
      }
      default:
        return (await runGatewayCommand(db, args, gatewayEnv)) ?? { ok: false, reason: `unknown command ${command}\n${USAGE}` };
    }
  } catch (err) {
    // Store functions throw RangeError for operator mistakes (unknown or duplicate AppId).
    if (err instanceof RangeError) return { ok: false, reason: err.message };
    throw err;
  }
}
