import { and, asc, count, eq, ilike, sql } from "drizzle-orm";
import type { SQL } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { devices } from "../db/schema.js";

/** Which filters a device list uses; each combination is built once as a pair of prepared statements. */
export interface DeviceListShape {
  readonly organization: "one" | "subtree" | "all";
  readonly accessProtocol: boolean;
  readonly type: boolean;
  readonly status: "any" | "disabled" | "link";
  readonly cluster: boolean;
  readonly keyword: boolean;
  /** Only the devices of `deviceIds` (the device list export's DeviceIds). */
  readonly ids: boolean;
}

/** The values for the shape's placeholders; those of filters the shape does not use are ignored. */
export interface DeviceListParams {
  readonly appId: string;
  readonly organizationId: number;
  readonly organizationIds: readonly number[];
  readonly accessProtocol: number | undefined;
  readonly type: number | undefined;
  readonly linkStatus: number | undefined;
  readonly clusterId: string | undefined;
  readonly keywordPattern: string | undefined;
  readonly deviceIds: readonly string[];
  readonly limit: number;
  readonly offset: number;
}

const p = sql.placeholder;

function build(db: Db, shape: DeviceListShape, key: string) {
  const conditions: SQL[] = [eq(devices.appId, p("appId"))];
  if (shape.organization === "one") conditions.push(eq(devices.organizationId, p("organizationId")));
  if (shape.organization === "subtree") conditions.push(sql`${devices.organizationId} = any(${p("organizationIds")}::bigint[])`);
  if (shape.accessProtocol) conditions.push(eq(devices.accessProtocol, p("accessProtocol")));
  if (shape.type) conditions.push(eq(devices.type, p("type")));
  if (shape.status === "disabled") conditions.push(eq(devices.disabled, true));
  if (shape.status === "link") conditions.push(eq(devices.disabled, false), eq(devices.linkStatus, p("linkStatus")));
  if (shape.cluster) conditions.push(eq(devices.clusterId, p("clusterId")));
  if (shape.keyword) conditions.push(ilike(devices.name, p("keywordPattern")));
  if (shape.ids) conditions.push(sql`${devices.id} = any(${p("deviceIds")}::uuid[])`);
  const where = and(...conditions);
  return {
    count: db.select({ n: count() }).from(devices).where(where).prepare(`devices_count_${key}`),
    page: db
      .select()
      .from(devices)
      .where(where)
      .orderBy(asc(devices.createdAt), asc(devices.id))
      .limit(p("limit"))
      .offset(p("offset"))
      .prepare(`devices_page_${key}`),
  };
}

type Prepared = ReturnType<typeof build>;
const built = new WeakMap<Db, Map<string, Prepared>>();

/**
 * The list's total and page. Building the query with drizzle was the largest share of a list
 * request's CPU (bench/api, --cpu-prof): prepared once per shape, a request only binds values, and
 * PostgreSQL keeps the plans of its named statements.
 */
export async function queryDeviceList(db: Db, shape: DeviceListShape, params: DeviceListParams) {
  const key = [shape.organization, shape.accessProtocol, shape.type, shape.status, shape.cluster, shape.keyword, shape.ids].map((v) => String(v)[0]).join("");
  let forDb = built.get(db);
  if (!forDb) built.set(db, (forDb = new Map()));
  let prepared = forDb.get(key);
  if (!prepared) forDb.set(key, (prepared = build(db, shape, key)));
  const values = { ...params, organizationIds: [...params.organizationIds], deviceIds: [...params.deviceIds] };
  const [total, rows] = await Promise.all([prepared.count.execute(values), prepared.page.execute(values)]);
  return { total: total[0]?.n ?? 0, rows };
}
