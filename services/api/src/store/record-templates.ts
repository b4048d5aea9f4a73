import { randomUUID } from "node:crypto";
import { and, asc, count, eq } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { recordPlans, recordTemplates } from "../db/schema.js";
import { isUniqueViolation } from "../db/unique-violation.js";
import { ErrorCodes } from "../errors/codes.js";
import type { Outcome } from "../errors/outcome.js";
import { refuse, succeed } from "../errors/outcome.js";
import type { TimeSection } from "../recordings/schedule.js";

/** Spec 03 §3 template answers. */
export interface TemplateView {
  TemplateId: string;
  TemplateName: string;
  TimeSections: TimeSection[];
}

type TemplateRow = typeof recordTemplates.$inferSelect;

/** 32 lowercase hex digits, the form of the document's example ids. */
export function newRecordId(): string {
  return randomUUID().replaceAll("-", "");
}

function view(row: TemplateRow): TemplateView {
  return { TemplateId: row.id, TemplateName: row.name, TimeSections: row.timeSections };
}

/** Only the section fields the API defines are stored, in the order given. */
function sectionsOf(sections: readonly TimeSection[]): TimeSection[] {
  return sections.map((s) => ({ DayOfWeek: s.DayOfWeek, StartTime: s.StartTime, EndTime: s.EndTime }));
}

const duplicateName = (name: string) => refuse(ErrorCodes.TemplateNameDuplicate, `TemplateName ${name} is already used`);

export async function findTemplate(db: Db, appId: string, id: string): Promise<TemplateRow | undefined> {
  return (await db.select().from(recordTemplates).where(and(eq(recordTemplates.appId, appId), eq(recordTemplates.id, id))))[0];
}

export async function addTemplate(db: Db, appId: string, name: string, sections: readonly TimeSection[]): Promise<Outcome<TemplateView>> {
  const rows = await db.insert(recordTemplates).values({ id: newRecordId(), appId, name, timeSections: sectionsOf(sections) }).onConflictDoNothing().returning();
  const row = rows[0];
  return row ? succeed(view(row)) : duplicateName(name);
}

export interface TemplateChanges {
  TemplateName: string | undefined;
  TimeSections: readonly TimeSection[] | undefined;
}

/** `TimeSections` replaces the whole schedule (the 3.3 example echoes exactly what was sent). */
export async function modifyTemplate(db: Db, appId: string, id: string, changes: TemplateChanges): Promise<Outcome<TemplateView>> {
  const set: Partial<typeof recordTemplates.$inferInsert> = { updatedAt: new Date() };
  if (changes.TemplateName !== undefined) set.name = changes.TemplateName;
  if (changes.TimeSections !== undefined) set.timeSections = sectionsOf(changes.TimeSections);
  try {
    const rows = await db
      .update(recordTemplates)
      .set(set)
      .where(and(eq(recordTemplates.appId, appId), eq(recordTemplates.id, id)))
      .returning();
    const row = rows[0];
    return row ? succeed(view(row)) : refuse(ErrorCodes.RecordNotFound, `TemplateId ${id} is not a template`);
  } catch (err) {
    if (isUniqueViolation(err) && changes.TemplateName !== undefined) return duplicateName(changes.TemplateName);
    throw err;
  }
}

export async function deleteTemplate(db: Db, appId: string, id: string): Promise<Outcome<Record<string, never>>> {
  return db.transaction(async (tx) => {
    // FOR UPDATE waits for a plan being added with this template (its foreign key locks the row), so the count sees it.
    const locked = await tx.select({ id: recordTemplates.id }).from(recordTemplates).where(and(eq(recordTemplates.appId, appId), eq(recordTemplates.id, id))).for("update");
    if (locked.length === 0) return refuse(ErrorCodes.RecordNotFound, `TemplateId ${id} is not a template`);
    const users = await tx.select({ n: count() }).from(recordPlans).where(eq(recordPlans.templateId, id));
    if ((users[0]?.n ?? 0) > 0) return refuse(ErrorCodes.TemplateInUse, `TemplateId ${id} is used by ${users[0]?.n} plan(s)`);
    await tx.delete(recordTemplates).where(eq(recordTemplates.id, id));
    return succeed({});
  });
}

export async function describeTemplate(db: Db, appId: string, id: string): Promise<Outcome<TemplateView>> {
  const row = await findTemplate(db, appId, id);
  return row ? succeed(view(row)) : refuse(ErrorCodes.RecordNotFound, `TemplateId ${id} is not a template`);
}

export async function listTemplates(db: Db, appId: string): Promise<TemplateView[]> {
  const rows = await db.select().from(recordTemplates).where(eq(recordTemplates.appId, appId)).orderBy(asc(recordTemplates.createdAt), asc(recordTemplates.id));
  return rows.map(view);
}
