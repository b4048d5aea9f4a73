import type { StoredSegment, UploadPiece } from "@ivc/bus";
import { deviceChannelStreamId } from "@ivc/media";
import { and, eq, gt, inArray, lt, lte, sql } from "drizzle-orm";
import type { Db } from "../db/database.js";
import { channels, devices, recordPlans, recordTemplates, recordUploadPieces } from "../db/schema.js";
import type { UploadPieceRowState } from "../db/schema.js";
import { effectivePlanId, membersSubquery } from "../store/plan-membership.js";
import { liveStreamId } from "../streams/live-stream-id.js";
import { uploadDueAt } from "./schedule.js";
import type { DueUpload } from "./schedule.js";

/** States after which a piece is not asked for again: stored, nothing there, or its window is gone. */
const SETTLED: readonly UploadPieceRowState[] = ["done", "no-recording", "missed"];
const OPEN: readonly UploadPieceRowState[] = ["pending", "uploading", "failed"];

/** Piece rows are kept this long after their footage day (the channel list shows the latest day only). */
const PIECE_HISTORY_DAYS = 30;

/** Stable per plan, channel and device range, so retries and relay restarts report against one row. */
export function uploadPieceId(planId: string, channelId: string, startMs: number, endMs: number): string {
  return `${planId}.${channelId}.${startMs}-${endMs}`;
}

/**
 * Pieces past their window that were never stored whole become `missed`; rows older than the kept
 * history go (what did not fit is
 * reported, never dropped quietly): a piece never started says so in its reason (the relay's
 * concurrency limits or an offline device left no room), a failed one keeps its last reason.
 */
async function closeWindows(db: Db, now: Date): Promise<void> {
  await db
    .update(recordUploadPieces)
    .set({
      state: "missed",
      reason: sql`case when ${recordUploadPieces.state} = 'pending' then 'the upload window closed before the piece was started' when ${recordUploadPieces.reason} = '' then 'the upload window closed first' else ${recordUploadPieces.reason} end`,
      updatedAt: now,
    })
    .where(and(lte(recordUploadPieces.windowEndAt, now), inArray(recordUploadPieces.state, [...OPEN])));
  await db.delete(recordUploadPieces).where(lte(recordUploadPieces.windowEndAt, new Date(now.getTime() - PIECE_HISTORY_DAYS * 86_400_000)));
}

/**
 * The pieces of `clusterId`'s upload plans due at `now` (site zone `utcOffsetMinutes`): for every
 * plan whose upload window is open, each channel of a GB device of the cluster that is not disabled,
 * each DevTimeSections stretch of yesterday (schedule.ts `uploadDueAt`), minus what is settled.
 * Every due piece gets its row here (state `pending`), so the plan's channel list shows a piece the
 * relay never reached as missing once the window closes.
 */
export async function listDueUploads(db: Db, clusterId: string, now: Date, utcOffsetMinutes: number): Promise<UploadPiece[]> {
  await closeWindows(db, now);
  const plans = await db
    .select({ plan: recordPlans, timeSections: recordTemplates.timeSections, devTimeSections: recordTemplates.devTimeSections, scale: recordTemplates.scale })
    .from(recordPlans)
    .innerJoin(recordTemplates, eq(recordTemplates.id, recordPlans.templateId))
    .where(eq(recordPlans.kind, "upload"));
  const due = new Map<string, { plan: typeof recordPlans.$inferSelect; upload: DueUpload; scale: 1 | 2 | 4 }>();
  for (const { plan, timeSections, devTimeSections, scale } of plans) {
    const upload = uploadDueAt(timeSections, devTimeSections ?? [], now, utcOffsetMinutes);
    if (upload && upload.pieces.length > 0) due.set(plan.id, { plan, upload, scale: scale === 2 || scale === 4 ? scale : 1 });
  }
  if (due.size === 0) return [];
  const members = membersSubquery(db, "upload", and(inArray(effectivePlanId, [...due.keys()]), eq(devices.disabled, false), eq(devices.clusterId, clusterId)));
  const rows = await db
    .select({ channelId: members.channelId, deviceCode: members.deviceCode, channelCode: members.channelCode, accessProtocol: members.accessProtocol, planId: members.planId })
    .from(members);
  const wanted = rows.flatMap((m) => {
    const entry = m.planId === null ? undefined : due.get(m.planId);
    // Only GB channels: the relay pulls with a GB28181 download INVITE (gateway and RTMP channels have no device storage to ask).
    if (!entry || liveStreamId(m.accessProtocol, m.deviceCode, m.channelCode) !== deviceChannelStreamId(m.deviceCode, m.channelCode)) return [];
    return entry.upload.pieces.map((piece) => ({ member: m, entry, piece, pieceId: uploadPieceId(entry.plan.id, m.channelId, piece.startMs, piece.endMs) }));
  });
  if (wanted.length === 0) return [];
  await db
    .insert(recordUploadPieces)
    .values(
      wanted.map((w) => ({
        pieceId: w.pieceId,
        appId: w.entry.plan.appId,
        planId: w.entry.plan.id,
        channelId: w.member.channelId,
        footageDay: w.entry.upload.footageDay,
        startAt: new Date(w.piece.startMs),
        endAt: new Date(w.piece.endMs),
        windowEndAt: new Date(w.entry.upload.windowEndMs),
        state: "pending" as const,
      })),
    )
    .onConflictDoNothing({ target: recordUploadPieces.pieceId });
  const states = new Map(
    (
      await db
        .select({ pieceId: recordUploadPieces.pieceId, state: recordUploadPieces.state, storedUntil: recordUploadPieces.storedUntil })
        .from(recordUploadPieces)
        .where(inArray(recordUploadPieces.pieceId, wanted.map((w) => w.pieceId)))
    ).map((r) => [r.pieceId, r]),
  );
  return wanted.flatMap((w) => {
    const row = states.get(w.pieceId);
    if (!row || SETTLED.includes(row.state)) return [];
    const resume = row.storedUntil?.getTime();
    return [
      {
        pieceId: w.pieceId,
        deviceId: w.member.deviceCode,
        channelId: w.member.channelCode,
        planId: w.entry.plan.id,
        startMs: w.piece.startMs,
        endMs: w.piece.endMs,
        scale: w.entry.scale,
        windowEndMs: w.entry.upload.windowEndMs,
        ...(resume !== undefined && resume > w.piece.startMs && resume < w.piece.endMs ? { resumeFromMs: resume } : {}),
        transitionDays: w.entry.plan.transitionDays,
        expirationDays: w.entry.plan.expirationDays,
      },
    ];
  });
}

export interface UploadProgress {
  pieceId: string;
  planId: string;
  deviceId: string;
  channelId: string;
  state: Exclude<UploadPieceRowState, "pending">;
  storedUntilMs?: number | undefined;
  reason?: string | undefined;
}

/**
 * A relay's report on a piece of its own cluster (device and channel codes must be the piece's,
 * on a device of that cluster). A settled piece stays settled (a late `uploading` after `done`
 * changes nothing), and `storedUntil` only moves forward, so reports may arrive out of order.
 */
export async function recordUploadProgress(db: Db, clusterId: string, report: UploadProgress, now: Date): Promise<boolean> {
  const ownChannel = db
    .select({ id: channels.id })
    .from(channels)
    .innerJoin(devices, eq(devices.id, channels.deviceId))
    .where(and(eq(devices.clusterId, clusterId), eq(devices.code, report.deviceId), eq(channels.code, report.channelId)));
  const storedUntil = report.storedUntilMs === undefined ? recordUploadPieces.storedUntil : sql`greatest(${recordUploadPieces.storedUntil}, ${new Date(report.storedUntilMs).toISOString()}::timestamptz)`;
  const rows = await db
    .update(recordUploadPieces)
    .set({
      state: report.state,
      storedUntil,
      reason: report.state === "done" || report.state === "uploading" ? "" : (report.reason ?? ""),
      attempts: report.state === "failed" ? sql`${recordUploadPieces.attempts} + 1` : recordUploadPieces.attempts,
      updatedAt: now,
    })
    .where(
      and(
        eq(recordUploadPieces.pieceId, report.pieceId),
        eq(recordUploadPieces.planId, report.planId),
        inArray(recordUploadPieces.channelId, ownChannel),
        inArray(recordUploadPieces.state, [...OPEN]),
      ),
    )
    .returning({ pieceId: recordUploadPieces.pieceId });
  return rows.length > 0;
}

/**
 * An indexed segment of an upload plan moves its open piece's `storedUntil`, as the relay's progress
 * report does: the index is what is stored, and a relay killed after a segment was indexed but
 * before its next report would otherwise be handed an older `resumeFromMs` and pull that segment
 * again. Live plans' segments match no piece.
 */
export async function advanceUploadPieces(db: Db, clusterId: string, segment: StoredSegment): Promise<void> {
  const ownChannel = db
    .select({ id: channels.id })
    .from(channels)
    .innerJoin(devices, eq(devices.id, channels.deviceId))
    .where(and(eq(devices.clusterId, clusterId), eq(devices.code, segment.deviceId), eq(channels.code, segment.channelId)));
  const end = new Date(segment.endMs);
  await db
    .update(recordUploadPieces)
    .set({ storedUntil: sql`greatest(${recordUploadPieces.storedUntil}, ${end.toISOString()}::timestamptz)` })
    .where(
      and(
        eq(recordUploadPieces.planId, segment.planId),
        inArray(recordUploadPieces.channelId, ownChannel),
        lt(recordUploadPieces.startAt, end),
        gt(recordUploadPieces.endAt, new Date(segment.startMs)),
        inArray(recordUploadPieces.state, [...OPEN]),
      ),
    );
}
