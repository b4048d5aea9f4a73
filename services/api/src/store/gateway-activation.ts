import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { gatewayKeys, gateways } from "../db/schema.js";
import { isUniqueViolation } from "../db/unique-violation.js";
import { randomText } from "../accounts/random-text.js";
import { hashGatewaySecret } from "./gateway-keys.js";
import { ruleAbidingName } from "./gateway-names.js";

export interface BoxInfo {
  readonly hostname: string;
  readonly machineId: string;
  readonly versions: Readonly<Record<string, string>>;
}

export interface ActivatedGateway {
  readonly id: string;
  readonly gwId: string;
  readonly clusterId: string;
  readonly createdAt: Date;
  /** Shown to the box once; only its hash is kept. */
  readonly token: string;
}

/** packages/bus gatewayErrorCodes names: 41631 and 41632. */
export type ActivationRefusal = "gateway_key_invalid" | "gateway_already_activated";

export type ActivationResult = { ok: true; value: ActivatedGateway } | { ok: false; code: ActivationRefusal; reason: string };

/** GwId like the G1 example ("h3HRECtISGGnsPjxoYW1mEc2NjMhd1Ur"): 32 mixed-case letters and digits. */
const GW_ID_LENGTH = 32;
const TOKEN_LENGTH = 48;

const refused = (code: ActivationRefusal, reason: string): ActivationResult => ({ ok: false, code, reason });

/**
 * Spends a gateway key and creates the gateway of the box (spec 04 "How a gateway is activated").
 * A key that already created a gateway which still exists is 41632 (that gateway is activated);
 * a key that is unknown, expired, or spent on a gateway since deleted is 41631, so a deleted
 * gateway cannot come back without a new key. A box whose machineId already has a gateway is
 * 41632 and leaves the key unspent.
 */
export async function activateGateway(db: Db, key: string, box: BoxInfo, now = new Date()): Promise<ActivationResult> {
  const token = randomText(TOKEN_LENGTH);
  try {
    return await db.transaction(async (tx) => {
      const row = (await tx.select().from(gatewayKeys).where(eq(gatewayKeys.keyHash, hashGatewaySecret(key))).for("update"))[0];
      if (!row) return refused("gateway_key_invalid", "gateway key is missing or unknown");
      if (row.usedAt !== null) {
        const created = row.gatewayId === null ? undefined : (await tx.select({ id: gateways.id }).from(gateways).where(eq(gateways.id, row.gatewayId)))[0];
        return created
          ? refused("gateway_already_activated", "this key already activated a gateway that still exists")
          : refused("gateway_key_invalid", "gateway key was already used");
      }
      if (row.expiresAt.getTime() <= now.getTime()) return refused("gateway_key_invalid", "gateway key has expired");
      if ((await tx.select({ id: gateways.id }).from(gateways).where(eq(gateways.machineId, box.machineId))).length > 0) {
        return refused("gateway_already_activated", "this box (machineId) already has a gateway");
      }
      const gwId = randomText(GW_ID_LENGTH);
      const id = randomUUID();
      await tx.insert(gateways).values({
        id,
        appId: row.appId,
        gwId,
        clusterId: row.clusterId,
        name: ruleAbidingName(box.hostname, `gw-${gwId.slice(0, 8)}`),
        status: 1,
        machineId: box.machineId,
        hostname: box.hostname,
        tokenHash: hashGatewaySecret(token),
        versions: { ...box.versions },
        lastHeartbeatAt: now,
        createdAt: now,
        updatedAt: now,
      });
      await tx.update(gatewayKeys).set({ usedAt: now, gatewayId: id }).where(eq(gatewayKeys.keyHash, row.keyHash));
      return { ok: true, value: { id, gwId, clusterId: row.clusterId, createdAt: now, token } } as const;
    });
  } catch (err) {
    // Two activations of one box racing: the loser hits machine_id's unique index.
    if (isUniqueViolation(err)) return refused("gateway_already_activated", "this box (machineId) already has a gateway");
    throw err;
  }
}
