import { randomUUID } from "node:crypto";
import { and, asc, count, eq } from "drizzle-orm";
import { siteDateTime } from "@ivc/runtime";
import type { Db } from "../db/database.js";
import { recordPlans, recordTemplates } from "../db/schema.js";
import type { PlanKind } from "../db/schema.js";
import { isUniqueViolation } from "../db/unique-violation.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import type { TimeSection } from "../recordings/schedule.js";

/** Spec 03 §3 template answers; recording-upload templates (§4) add DevTimeSections, Scale, CreateAt and UpdateAt. */
export interface TemplateView {
  TemplateId: string;
  TemplateName: string;
  TimeSections: TimeSection[];
  DevTimeSections?: TimeSection[];
  Scale?: number;
  CreateAt?: string;
  UpdateAt?: string;
}

/** What an upload template has beyond a live one. */
export interface UploadFields {
  DevTimeSections: readonly TimeSection[];
  Scale: number;
}

type TemplateRow = typeof recordTemplates.$inferSelect;

/** 32 lowercase hex digits, the form of the document's example ids. */
export function newRecordId(): string {
  return randomUUID().replaceAll("-", "");
}

/** CreateAt/UpdateAt (spec 03 §0.1) on the site clock (RECORD_TIME_ZONE), the zone the sections are read in. */
function view(row: TemplateRow, utcOffsetMinutes: number): TemplateView {
  const base = { TemplateId: row.id, TemplateName: row.name, TimeSections: row.timeSections };
  if (row.kind === "live") return base;
  return { ...base, DevTimeSections: row.devTimeSections ?? [], Scale: row.scale ?? 1, CreateAt: siteDateTime(row.createdAt, utcOffsetMinutes), UpdateAt: siteDateTime(row.updatedAt, utcOffsetMinutes) };
}

const uploadColumns = (upload: UploadFields | undefined) => (upload ? { devTimeSections: sectionsOf(upload.DevTimeSections), scale: upload.Scale } : {});
const ownTemplate = (kind: PlanKind, appId: string, id: string) => and(eq(recordTemplates.appId, appId), eq(recordTemplates.kind, kind), eq(recordTemplates.id, id));

/** Only the section fields the API defines are stored, in the order given. */
function sectionsOf(sections: readonly TimeSection[]): TimeSection[] {
  return sections.map((s) => ({ DayOfWeek: s.DayOfWeek, StartTime: s.StartTime, EndTime: s.EndTime }));
}

const duplicateName = (name: string) => refuse(ErrorCodes.TemplateNameDuplicate, `TemplateName ${name} is already used`);

export async function findTemplate(db: Db, kind: PlanKind, appId: string, id: string): Promise<TemplateRow | undefined> {
  return (await db.select().from(recordTemplates).where(ownTemplate(kind, appId, id)))[0];
}

/** `upload` is given exactly for upload templates (the table's check refuses anything else). */
export async function addTemplate(db: Db, kind: PlanKind, appId: string, name: string, sections: readonly TimeSection[], utcOffsetMinutes: number, upload?: UploadFields): Promise<Outcome<TemplateView>> {
  const rows = await db
    .insert(recordTemplates)
    .values({ id: newRecordId(), appId, kind, name, timeSections: sectionsOf(sections), ...uploadColumns(upload) })
    .onConflictDoNothing()
    .returning();
  const row = rows[0];
  return row ? succeed(view(row, utcOffsetMinutes)) : duplicateName(name);
}

export interface TemplateChanges {
  TemplateName: string | undefined;
  TimeSections: readonly TimeSection[] | undefined;
  /** Upload templates: §4.3 requires both with TimeSections, so the 43408 rule is checked on a whole set. */
  upload?: UploadFields;
}

/** `TimeSections` replaces the whole schedule (the 3.3 example echoes exactly what was sent). */
export async function modifyTemplate(db: Db, kind: PlanKind, appId: string, id: string, changes: TemplateChanges, utcOffsetMinutes: number): Promise<Outcome<TemplateView>> {
  const set: Partial<typeof recordTemplates.$inferInsert> = { updatedAt: new Date(), ...uploadColumns(changes.upload) };
  if (changes.TemplateName !== undefined) set.name = changes.TemplateName;
  if (changes.TimeSections !== undefined) set.timeSections = sectionsOf(changes.TimeSections);
  try {
    const rows = await db.update(recordTemplates).set(set).where(ownTemplate(kind, appId, id)).returning();
    const row = rows[0];
    return row ? succeed(view(row, utcOffsetMinutes)) : refuse(ErrorCodes.RecordNotFound, `TemplateId ${id} is not a template`);
  } catch (err) {
    if (isUniqueViolation(err) && changes.TemplateName !== undefined) return duplicateName(changes.TemplateName);
    throw err;
  }
}

export async function deleteTemplate(db: Db, kind: PlanKind, appId: string, id: string): Promise<Outcome<Record<string, never>>> {
  return db.transaction(async (tx) => {
    // FOR UPDATE waits for a plan being added with this template (its foreign key locks the row), so the count sees it.
    const locked = await tx.select({ id: recordTemplates.id }).from(recordTemplates).where(ownTemplate(kind, appId, id)).for("update");
    if (locked.length === 0) return refuse(ErrorCodes.RecordNotFound, `TemplateId ${id} is not a template`);
    const users = await tx.select({ n: count() }).from(recordPlans).where(eq(recordPlans.templateId, id));
    if ((users[0]?.n ?? 0) > 0) return refuse(ErrorCodes.TemplateInUse, `TemplateId ${id} is used by ${users[0]?.n} plan(s)`);
    await tx.delete(recordTemplates).where(eq(recordTemplates.id, id));
    return succeed({});
  });
}

export async function describeTemplate(db: Db, kind: PlanKind, appId: string, id: string, utcOffsetMinutes: number): Promise<Outcome<TemplateView>> {
  const row = await findTemplate(db, kind, appId, id);
  return row ? succeed(view(row, utcOffsetMinutes)) : refuse(ErrorCodes.RecordNotFound, `TemplateId ${id} is not a template`);
}

export async function listTemplates(db: Db, kind: PlanKind, appId: string, utcOffsetMinutes: number): Promise<TemplateView[]> {
  const rows = await db
    .select()
    .from(recordTemplates)
    .where(and(eq(recordTemplates.appId, appId), eq(recordTemplates.kind, kind)))
    .orderBy(asc(recordTemplates.createdAt), asc(recordTemplates.id));
  return rows.map((row) => view(row, utcOffsetMinutes));
}
