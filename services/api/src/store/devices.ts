import { randomInt, randomUUID } from "node:crypto";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { SecretBox } from "../accounts/secret-box.js";
import type { Db } from "../db/database.js";
import { deviceCodeSequences, devices, serviceNodes } from "../db/schema.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import { AccessProtocol, DeviceStatus, DeviceType, TransportProtocol } from "./device-enums.js";
import { queryDeviceList } from "./device-list-query.js";
import type { DeviceListShape } from "./device-list-query.js";
import { openDevicePassword, sealDevicePassword } from "./device-passwords.js";
import { GB_SEQUENCE_MAX, GB_TYPE_IPC, GB_TYPE_NVR, gbCode, gbCodePrefix } from "./gb-code.js";
import { listOrganizationRows, organizationExists, ROOT_ORGANIZATION_ID, subtreeIds } from "./organizations.js";
import { pushStreamUrl } from "../streams/stream-urls.js";
import type { UrlSigning } from "./stream-auth.js";

type DeviceRow = typeof devices.$inferSelect;

/** Device fields of list items (spec 02 §6). */
export interface DeviceListItem {
  Id: string;
  Code: string;
  Name: string;
  AccessProtocol: number;
  Type: number;
  ClusterId: string;
  TransportProtocol: number;
  Password: string;
  Description: string;
  Status: number;
  OrganizationId: string;
}

/** Add and update answers (spec 02 §1, §3). */
export interface DeviceView extends DeviceListItem {
  ClusterName: string;
}

/** Describe answer (spec 02 §4). */
export interface DeviceDescription extends DeviceView {
  Manufacturer: string;
  SipId: string;
  SipDomain: string;
  SipIp: string;
  SipPort: number;
  PushStreamUrl: string;
}

export function presentedStatus(row: Pick<DeviceRow, "disabled" | "linkStatus">): number {
  return row.disabled ? DeviceStatus.Disabled : row.linkStatus;
}

function listItem(box: SecretBox, row: DeviceRow): DeviceListItem {
  return {
    Id: row.id,
    Code: row.code,
    Name: row.name,
    AccessProtocol: row.accessProtocol,
    Type: row.type,
    ClusterId: row.clusterId,
    TransportProtocol: row.transportProtocol,
    Password: openDevicePassword(box, row.passwordEnc),
    Description: row.description,
    Status: presentedStatus(row),
    OrganizationId: String(row.organizationId),
  };
}

const withNode = { device: devices, node: serviceNodes };

export async function findDeviceWithNode(db: Db, appId: string, id: string) {
  return (
    await db
      .select(withNode)
      .from(devices)
      .innerJoin(serviceNodes, eq(serviceNodes.id, devices.clusterId))
      .where(and(eq(devices.appId, appId), eq(devices.id, id)))
  )[0];
}

export async function findDevice(db: Db, appId: string, id: string): Promise<DeviceRow | undefined> {
  return (await db.select().from(devices).where(and(eq(devices.appId, appId), eq(devices.id, id))))[0];
}

export interface NewDevice {
  Name: string;
  AccessProtocol: number;
  Type: number;
  TransportProtocol: number | undefined;
  Password: string | undefined;
  Description: string | undefined;
  OrganizationId: string;
  ClusterId: string;
}

/** GB devices need a REGISTER password; one is generated when the caller gives none. */
function generatedPassword(): string {
  return String(randomInt(10_000_000, 100_000_000));
}

const CODE_ATTEMPTS = 5;

export async function addDevice(db: Db, box: SecretBox, appId: string, input: NewDevice): Promise<Outcome<DeviceView>> {
  return (await addDevices(db, box, appId, [input]))[0] as Outcome<DeviceView>;
}

/**
 * Adds devices in one transaction, each with its own outcome (the import's chunks; add is a batch of
 * one). GB codes are reserved per prefix in one step for the whole batch; a code already taken
 * (a device added with that code some other way) gets the next free one.
 */
export async function addDevices(db: Db, box: SecretBox, appId: string, inputs: readonly NewDevice[]): Promise<Array<Outcome<DeviceView>>> {
  const outcomes: Array<Outcome<DeviceView> | undefined> = inputs.map((input) =>
    input.AccessProtocol === AccessProtocol.Rtmp && input.Type !== DeviceType.Ipc ? refuse(ErrorCodes.InvalidDeviceType, "Type must be 1 (IPC) for RTMP devices") : undefined,
  );
  return db.transaction(async (tx) => {
    const clusterIds = [...new Set(inputs.map((i) => i.ClusterId))];
    const nodes = new Map((await tx.select().from(serviceNodes).where(inArray(serviceNodes.id, clusterIds))).map((n) => [n.id, n]));
    const organizations = new Map<string, boolean>();
    for (const id of new Set(inputs.map((i) => i.OrganizationId))) organizations.set(id, await organizationExists(tx, appId, Number(id)));
    let waiting: Array<{ index: number; prefix: string }> = [];
    inputs.forEach((input, index) => {
      if (outcomes[index]) return;
      const node = nodes.get(input.ClusterId);
      if (!node) outcomes[index] = refuse(ErrorCodes.NoServiceNode, `ClusterId ${input.ClusterId} is not a service node`);
      else if (!organizations.get(input.OrganizationId)) outcomes[index] = refuse(ErrorCodes.RecordNotFound, `OrganizationId ${input.OrganizationId} is not an organization`);
      else waiting.push({ index, prefix: gbCodePrefix(node.sipDomain, input.Type === DeviceType.Nvr ? GB_TYPE_NVR : GB_TYPE_IPC) });
    });
    for (let attempt = 0; attempt < CODE_ATTEMPTS && waiting.length > 0; attempt++) {
      const codes = new Map<number, string>();
      for (const prefix of new Set(waiting.map((w) => w.prefix))) {
        const mine = waiting.filter((w) => w.prefix === prefix);
        const next = await tx
          .insert(deviceCodeSequences)
          .values({ prefix, lastValue: mine.length })
          .onConflictDoUpdate({ target: deviceCodeSequences.prefix, set: { lastValue: sql`${deviceCodeSequences.lastValue} + ${mine.length}` } })
          .returning({ value: deviceCodeSequences.lastValue });
        const last = next[0]?.value ?? 0;
        mine.forEach((w, i) => {
          const sequence = last - mine.length + 1 + i;
          if (sequence > GB_SEQUENCE_MAX) outcomes[w.index] = refuse(ErrorCodes.OperationFailed, `GB code sequence of ${prefix} is exhausted`);
          else codes.set(w.index, gbCode(prefix, sequence));
        });
      }
      const values = [...codes].map(([index, code], order) => {
        const input = inputs[index] as NewDevice;
        return {
          id: randomUUID(),
          // One statement's rows would share now(): apart by a microsecond each, the list keeps their order.
          createdAt: sql`clock_timestamp() + ${order} * interval '1 microsecond'`,
          appId,
          code,
          name: input.Name,
          accessProtocol: input.AccessProtocol,
          type: input.Type,
          transportProtocol: input.TransportProtocol ?? TransportProtocol.Udp,
          passwordEnc: sealDevicePassword(box, input.Password ?? (input.AccessProtocol === AccessProtocol.Gb ? generatedPassword() : "")),
          description: input.Description ?? "",
          organizationId: Number(input.OrganizationId),
          clusterId: input.ClusterId,
        };
      });
      const rows = values.length === 0 ? [] : await tx.insert(devices).values(values).onConflictDoNothing().returning();
      const byCode = new Map(rows.map((row) => [row.code, row]));
      for (const [index, code] of codes) {
        const row = byCode.get(code);
        if (row) outcomes[index] = succeed({ ...listItem(box, row), ClusterName: nodes.get(row.clusterId)?.name ?? "" });
      }
      waiting = waiting.filter((w) => !outcomes[w.index]);
    }
    return outcomes.map((o, index) => o ?? refuse(ErrorCodes.OperationFailed, `no free GB code under ${waiting.find((w) => w.index === index)?.prefix ?? ""}`));
  });
}

export interface DeviceChanges {
  Name: string | undefined;
  TransportProtocol: number | undefined;
  Password: string | undefined;
  Description: string | undefined;
}

export async function updateDevice(db: Db, box: SecretBox, appId: string, id: string, changes: DeviceChanges): Promise<Outcome<DeviceView>> {
  const set: Partial<typeof devices.$inferInsert> = { updatedAt: new Date() };
  if (changes.Name !== undefined) set.name = changes.Name;
  if (changes.TransportProtocol !== undefined) set.transportProtocol = changes.TransportProtocol;
  if (changes.Password !== undefined) set.passwordEnc = sealDevicePassword(box, changes.Password);
  if (changes.Description !== undefined) set.description = changes.Description;
  const rows = await db.update(devices).set(set).where(and(eq(devices.appId, appId), eq(devices.id, id))).returning();
  const row = rows[0];
  if (!row) return refuse(ErrorCodes.DeviceNotFound, `Id ${id} is not a device`);
  const found = await findDeviceWithNode(db, appId, id);
  return succeed({ ...listItem(box, row), ClusterName: found?.node.name ?? "" });
}

export async function describeDevice(
  db: Db,
  box: SecretBox,
  appId: string,
  id: string,
  pushSigning: UrlSigning | undefined,
  nowSeconds: number,
): Promise<Outcome<DeviceDescription>> {
  const found = await findDeviceWithNode(db, appId, id);
  if (!found) return refuse(ErrorCodes.DeviceNotFound, `Id ${id} is not a device`);
  const { device, node } = found;
  return succeed({
    ...listItem(box, device),
    ClusterName: node.name,
    Manufacturer: device.manufacturer,
    SipId: node.sipId,
    SipDomain: node.sipDomain,
    SipIp: node.sipIp,
    SipPort: node.sipPort,
    PushStreamUrl: device.accessProtocol === AccessProtocol.Rtmp ? pushStreamUrl(node, device.code, pushSigning, nowSeconds) : "",
  });
}

/** Removes the device (its channels go with it); answers its GB code for the bus notice. */
export async function deleteDevice(db: Db, appId: string, id: string): Promise<Outcome<{ code: string }>> {
  const rows = await db.delete(devices).where(and(eq(devices.appId, appId), eq(devices.id, id))).returning({ code: devices.code });
  const row = rows[0];
  return row ? succeed({ code: row.code }) : refuse(ErrorCodes.DeviceNotFound, `Id ${id} is not a device`);
}

export async function setDeviceDisabled(db: Db, appId: string, id: string, disabled: boolean): Promise<Outcome<{ code: string }>> {
  const rows = await db
    .update(devices)
    .set({ disabled, updatedAt: new Date() })
    .where(and(eq(devices.appId, appId), eq(devices.id, id)))
    .returning({ code: devices.code });
  const row = rows[0];
  return row ? succeed({ code: row.code }) : refuse(ErrorCodes.DeviceNotFound, `Id ${id} is not a device`);
}

export interface DeviceFilter {
  OrganizationId: string;
  IsContainSubLevel: boolean;
  AccessProtocol: number | undefined;
  Type: number | undefined;
  Status: number | undefined;
  ClusterId: string | undefined;
  Keyword: string | undefined;
  /** Only these devices (the export's DeviceIds); not a filter of the list endpoint. */
  DeviceIds?: readonly string[] | undefined;
  PageNumber: number;
  PageSize: number;
}

/** A case-insensitive substring match for ILIKE, its metacharacters escaped. */
export function likePattern(keyword: string): string {
  return `%${keyword.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function listDevices(db: Db, box: SecretBox, appId: string, filter: DeviceFilter): Promise<Outcome<{ TotalCount: number; List: DeviceListItem[] }>> {
  const organizationId = Number(filter.OrganizationId);
  let organization: DeviceListShape["organization"] = "one";
  let organizationIds: number[] = [];
  if (filter.IsContainSubLevel) {
    organization = "all";
    if (organizationId !== ROOT_ORGANIZATION_ID) {
      const rows = await listOrganizationRows(db, appId);
      if (!rows.some((r) => r.id === organizationId)) {
        return refuse(ErrorCodes.RecordNotFound, `OrganizationId ${filter.OrganizationId} is not an organization`);
      }
      organization = "subtree";
      organizationIds = [...subtreeIds(rows, organizationId)];
    }
  }
  const keyword = filter.Keyword !== undefined && filter.Keyword !== "" ? filter.Keyword : undefined;
  const status = filter.Status === undefined ? "any" : filter.Status === DeviceStatus.Disabled ? "disabled" : "link";
  const { total, rows } = await queryDeviceList(
    db,
    { organization, accessProtocol: filter.AccessProtocol !== undefined, type: filter.Type !== undefined, status, cluster: filter.ClusterId !== undefined, keyword: keyword !== undefined, ids: filter.DeviceIds !== undefined },
    {
      appId,
      organizationId,
      organizationIds,
      accessProtocol: filter.AccessProtocol,
      type: filter.Type,
      linkStatus: filter.Status,
      clusterId: filter.ClusterId,
      keywordPattern: keyword === undefined ? undefined : likePattern(keyword),
      deviceIds: filter.DeviceIds ?? [],
      limit: filter.PageSize,
      offset: (filter.PageNumber - 1) * filter.PageSize,
    },
  );
  return succeed({ TotalCount: total, List: rows.map((row) => listItem(box, row)) });
}

/** All-or-nothing: every Id must be a device of the account. */
export async function moveDevices(db: Db, appId: string, ids: readonly string[], organizationIdText: string): Promise<Outcome<null>> {
  const organizationId = Number(organizationIdText);
  const unique = [...new Set(ids)];
  return db.transaction(async (tx) => {
    if (!(await organizationExists(tx, appId, organizationId))) {
      return refuse(ErrorCodes.RecordNotFound, `OrganizationId ${organizationIdText} is not an organization`);
    }
    const owned = await tx
      .select({ id: devices.id })
      .from(devices)
      .where(and(eq(devices.appId, appId), inArray(devices.id, unique)));
    if (owned.length !== unique.length) {
      const found = new Set(owned.map((r) => r.id));
      return refuse(ErrorCodes.DeviceNotFound, `Ids not devices: ${unique.filter((id) => !found.has(id)).join(",")}`);
    }
    await tx
      .update(devices)
      .set({ organizationId, updatedAt: new Date() })
      .where(and(eq(devices.appId, appId), inArray(devices.id, unique)));
    return succeed(null);
  });
}
