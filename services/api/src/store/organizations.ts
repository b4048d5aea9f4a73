import { and, asc, count, eq, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { devices, organizations } from "../db/schema.js";
import { isUniqueViolation } from "../db/unique-violation.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";

/** The root organization every tree hangs from; it has no row ("ParentId": "0", spec 01 §5.10). */
export const ROOT_ORGANIZATION_ID = 0;

/** Deepest level an organization may have (a child of the root is level 1); see docs/api-decisions.md. */
export const MAX_ORGANIZATION_LEVEL = 10;

export interface OrganizationView {
  Id: string;
  Name: string;
  ParentId: string;
  Level: number;
}

export interface OrganizationWithCounts extends OrganizationView {
  Total: number;
  Online: number;
}

interface OrganizationRow {
  id: number;
  name: string;
  parentId: number;
  level: number;
}

function view(row: OrganizationRow): OrganizationView {
  return { Id: String(row.id), Name: row.name, ParentId: String(row.parentId), Level: row.level };
}

async function findOrganization(db: Db, appId: string, id: number): Promise<OrganizationRow | undefined> {
  return (await db.select().from(organizations).where(and(eq(organizations.appId, appId), eq(organizations.id, id))))[0];
}

/** True for the root and for organizations of this account. */
export async function organizationExists(db: Db, appId: string, id: number): Promise<boolean> {
  return id === ROOT_ORGANIZATION_ID || (await findOrganization(db, appId, id)) !== undefined;
}

export async function addOrganization(db: Db, appId: string, name: string, parentId: number): Promise<Outcome<OrganizationView>> {
  let level = 1;
  if (parentId !== ROOT_ORGANIZATION_ID) {
    const parent = await findOrganization(db, appId, parentId);
    if (!parent) return refuse(ErrorCodes.RecordNotFound, `ParentId ${parentId} is not an organization`);
    level = parent.level + 1;
  }
  if (level > MAX_ORGANIZATION_LEVEL) {
    return refuse(ErrorCodes.OrganizationMaxDepth, `organizations may be at most ${MAX_ORGANIZATION_LEVEL} levels deep`);
  }
  const rows = await db.insert(organizations).values({ appId, name, parentId, level }).onConflictDoNothing().returning();
  const row = rows[0];
  if (!row) return refuse(ErrorCodes.OrganizationNameDuplicate, `Name ${name} is already used under ParentId ${parentId}`);
  return succeed(view(row));
}

export async function renameOrganization(db: Db, appId: string, id: number, name: string): Promise<Outcome<OrganizationView>> {
  try {
    const rows = await db
      .update(organizations)
      .set({ name })
      .where(and(eq(organizations.appId, appId), eq(organizations.id, id)))
      .returning();
    const row = rows[0];
    return row ? succeed(view(row)) : refuse(ErrorCodes.RecordNotFound, `Id ${id} is not an organization`);
  } catch (err) {
    if (isUniqueViolation(err)) return refuse(ErrorCodes.OrganizationNameDuplicate, `Name ${name} is already used by a sibling`);
    throw err;
  }
}

export async function deleteOrganization(db: Db, appId: string, id: number): Promise<Outcome<null>> {
  return db.transaction(async (tx) => {
    if (!(await findOrganization(tx, appId, id))) return refuse(ErrorCodes.RecordNotFound, `Id ${id} is not an organization`);
    const children = await tx
      .select({ n: count() })
      .from(organizations)
      .where(and(eq(organizations.appId, appId), eq(organizations.parentId, id)));
    if ((children[0]?.n ?? 0) > 0) return refuse(ErrorCodes.OrganizationHasChildren, `organization ${id} has child organizations`);
    const held = await tx.select({ n: count() }).from(devices).where(and(eq(devices.appId, appId), eq(devices.organizationId, id)));
    if ((held[0]?.n ?? 0) > 0) return refuse(ErrorCodes.OrganizationHasDevices, `organization ${id} still has devices`);
    await tx.delete(organizations).where(and(eq(organizations.appId, appId), eq(organizations.id, id)));
    return succeed(null);
  });
}

/** Ids of `rootId` and every organization below it. */
export function subtreeIds(rows: ReadonlyArray<{ id: number; parentId: number }>, rootId: number): Set<number> {
  const children = new Map<number, number[]>();
  for (const r of rows) children.set(r.parentId, [...(children.get(r.parentId) ?? []), r.id]);
  const out = new Set<number>([rootId]);
  const stack = [rootId];
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    for (const child of children.get(id) ?? []) {
      if (!out.has(child)) {
        out.add(child);
        stack.push(child);
      }
    }
  }
  return out;
}

export async function listOrganizationRows(db: Db, appId: string): Promise<OrganizationRow[]> {
  return db
    .select({ id: organizations.id, name: organizations.name, parentId: organizations.parentId, level: organizations.level })
    .from(organizations)
    .where(eq(organizations.appId, appId))
    .orderBy(asc(organizations.level), asc(organizations.id));
}

/** The flat tree with device counts; `Total`/`Online` include devices of sub-organizations. */
export async function listOrganizations(db: Db, appId: string): Promise<OrganizationWithCounts[]> {
  const rows = await listOrganizationRows(db, appId);
  const counts = await db
    .select({
      organizationId: devices.organizationId,
      total: count(),
      online: sql<number>`count(*) filter (where ${devices.linkStatus} = 1 and not ${devices.disabled})`.mapWith(Number),
    })
    .from(devices)
    .where(eq(devices.appId, appId))
    .groupBy(devices.organizationId);
  const direct = new Map(counts.map((c) => [c.organizationId, c]));
  return rows.map((row) => {
    let total = 0;
    let online = 0;
    for (const id of subtreeIds(rows, row.id)) {
      total += direct.get(id)?.total ?? 0;
      online += direct.get(id)?.online ?? 0;
    }
    return { ...view(row), Total: total, Online: online };
  });
}
