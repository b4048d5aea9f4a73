// Seeds the device-list bench: the service node, one account with one key, one organization and `count`
// GB devices (distinct sealed passwords), in whichever database `database` (services/api Database) is.
import { performance } from "node:perf_hooks";

const dist = new URL("../../services/api/dist/", import.meta.url);
const load = (path) => import(new URL(path, dist).href);

export const BENCH_NODE = {
  id: "4169d92e-60ad-4c16-ac7e-d313abdd0790",
  name: "bench",
  sipId: "34020000002000000001",
  sipDomain: "3402000000",
  sipIp: "127.0.0.1",
  sipPort: 5060,
  mediaHost: "127.0.0.1",
  mediaHttpPort: 8088,
  rtmpPort: 1935,
};

/** Answers what the load generator needs: AppId, key and organization id. */
export async function seedDevices(database, box, count) {
  const [{ createAccount }, { createKey }, { ensureServiceNode }] = await Promise.all([load("accounts/accounts.js"), load("accounts/keys.js"), load("store/service-nodes.js")]);
  const started = performance.now();
  const db = database.db;
  await ensureServiceNode(db, BENCH_NODE);
  const account = await createAccount(db, "bench");
  const key = await createKey({ db, box }, account.appId);
  const passwords = Array.from({ length: count }, (_, i) => box.seal(String(10_000_000 + i)));
  const organizationId = await database.withRawSession(async (s) => {
    const org = await s.rows("INSERT INTO organizations (app_id, name, parent_id, level) VALUES ($1, 'bench', 0, 1) RETURNING id", [account.appId]);
    // One statement: ids from gen_random_uuid, codes 3402000000 132 0 + sequence, creation a second apart.
    await s.rows(
      `INSERT INTO devices (id, app_id, code, name, access_protocol, type, transport_protocol, password_enc, organization_id, cluster_id, created_at)
       SELECT gen_random_uuid(), $1, '34020000001320' || lpad(i::text, 6, '0'), 'cam' || i, 2, 1, 1, ($5::text[])[i], $2, $3,
              now() - (($4 - i) || ' seconds')::interval
       FROM generate_series(1, $4) AS i`,
      [account.appId, org[0].id, BENCH_NODE.id, count, passwords],
    );
    await s.exec("VACUUM ANALYZE devices");
    return String(org[0].id);
  });
  console.log(`seeded ${count} devices in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { appId: account.appId, secretId: key.secretId, secretKey: key.secretKey, organizationId };
}
