import { sql } from "drizzle-orm";
import { bigserial, bigint, boolean, char, date, foreignKey, index, integer, interval, jsonb, pgTable, primaryKey, smallint, text, timestamp, unique, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { AiDetection, AiTaskStatus, AiTemplate } from "../ai/templates.js";
import type { TimeSection } from "../recordings/schedule.js";

// Mirrors migrations/*.sql, which are the source of truth applied at start.

const createdAt = () => timestamp("created_at", { withTimezone: true }).notNull().defaultNow();

export const accounts = pgTable("accounts", {
  appId: text("app_id").primaryKey(),
  name: text("name").notNull().default(""),
  createdAt: createdAt(),
});

export const apiKeys = pgTable(
  "api_keys",
  {
    secretId: text("secret_id").primaryKey(),
    appId: text("app_id").notNull().references(() => accounts.appId),
    secretKeyEnc: text("secret_key_enc").notNull(),
    sessionTokenHash: text("session_token_hash"),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    description: text("description").notNull().default(""),
    createdAt: createdAt(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (t) => [index("api_keys_app_id").on(t.appId)],
);

export const serviceNodes = pgTable("service_nodes", {
  id: uuid("id").primaryKey(),
  name: text("name").notNull(),
  sipId: text("sip_id").notNull(),
  sipDomain: text("sip_domain").notNull(),
  sipIp: text("sip_ip").notNull(),
  sipPort: integer("sip_port").notNull(),
  mediaHost: text("media_host").notNull(),
  mediaHttpPort: integer("media_http_port").notNull(),
  rtmpPort: integer("rtmp_port").notNull(),
  /** The node's public host name: the CNAME target of bound play domains (spec 01 §5.2). */
  publicHost: text("public_host").notNull().default(""),
  mediaHttpsPort: integer("media_https_port").notNull().default(8443),
  createdAt: createdAt(),
});

export const organizations = pgTable(
  "organizations",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    appId: text("app_id").notNull().references(() => accounts.appId),
    name: text("name").notNull(),
    parentId: bigint("parent_id", { mode: "number" }).notNull(),
    level: integer("level").notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique("organizations_sibling_name").on(t.appId, t.parentId, t.name)],
);

export const devices = pgTable(
  "devices",
  {
    id: uuid("id").primaryKey(),
    appId: text("app_id").notNull().references(() => accounts.appId),
    code: char("code", { length: 20 }).notNull().unique(),
    name: text("name").notNull(),
    accessProtocol: smallint("access_protocol").notNull(),
    type: smallint("type").notNull(),
    transportProtocol: smallint("transport_protocol").notNull(),
    /** Sealed with the master key (store/device-passwords.ts); "" when the device has no password. */
    passwordEnc: text("password_enc").notNull(),
    description: text("description").notNull().default(""),
    manufacturer: text("manufacturer").notNull().default(""),
    linkStatus: smallint("link_status").notNull().default(0),
    disabled: boolean("disabled").notNull().default(false),
    organizationId: bigint("organization_id", { mode: "number" }).notNull(),
    clusterId: uuid("cluster_id").notNull().references(() => serviceNodes.id),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("devices_app_org").on(t.appId, t.organizationId, t.createdAt, t.id),
    index("devices_app_created").on(t.appId, t.createdAt, t.id),
  ],
);

export const deviceCodeSequences = pgTable("device_code_sequences", {
  prefix: char("prefix", { length: 14 }).primaryKey(),
  lastValue: integer("last_value").notNull(),
});

export const channels = pgTable(
  "channels",
  {
    id: uuid("id").primaryKey(),
    appId: text("app_id").notNull().references(() => accounts.appId),
    deviceId: uuid("device_id").notNull().references(() => devices.id, { onDelete: "cascade" }),
    code: text("code").notNull(),
    name: text("name").notNull().default(""),
    manufacturer: text("manufacturer").notNull().default(""),
    ptzType: smallint("ptz_type").notNull().default(0),
    resolution: text("resolution").notNull().default(""),
    state: smallint("state").notNull().default(0),
    streamStatus: smallint("stream_status").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("channels_device_code").on(t.deviceId, t.code),
    index("channels_app_device").on(t.appId, t.deviceId),
    index("channels_code").on(t.code),
  ],
);

export const streamAuthConfigs = pgTable("stream_auth_configs", {
  appId: text("app_id").primaryKey().references(() => accounts.appId),
  id: uuid("id").notNull().unique(),
  pushState: smallint("push_state").notNull().default(0),
  pushSecret: text("push_secret").notNull().default(""),
  pushExpiredMinutes: integer("push_expired_minutes").notNull().default(0),
  pullState: smallint("pull_state").notNull().default(0),
  pullSecret: text("pull_secret").notNull().default(""),
  pullExpiredMinutes: integer("pull_expired_minutes").notNull().default(0),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export const gatewayKeys = pgTable("gateway_keys", {
  keyHash: text("key_hash").primaryKey(),
  appId: text("app_id").notNull().references(() => accounts.appId),
  clusterId: uuid("cluster_id").notNull().references(() => serviceNodes.id),
  expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
  usedAt: timestamp("used_at", { withTimezone: true }),
  gatewayId: uuid("gateway_id"),
  createdAt: createdAt(),
});

/** Stored as packages/bus gatewayUpgradeState. */
export interface StoredUpgradeState {
  state: string;
  version?: string | undefined;
  current?: string | undefined;
  reason?: string | undefined;
  at: number;
}

export const gateways = pgTable(
  "gateways",
  {
    id: uuid("id").primaryKey(),
    appId: text("app_id").notNull().references(() => accounts.appId),
    gwId: text("gw_id").notNull().unique(),
    clusterId: uuid("cluster_id").notNull().references(() => serviceNodes.id),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    status: smallint("status").notNull().default(0),
    machineId: text("machine_id").notNull().unique(),
    hostname: text("hostname").notNull().default(""),
    tokenHash: text("token_hash").notNull(),
    versions: jsonb("versions").$type<Record<string, string>>().notNull().default({}),
    lastHeartbeatAt: timestamp("last_heartbeat_at", { withTimezone: true }),
    /** Report name → the box's `at` of the last accepted report of that kind (replay protection). */
    reportAt: jsonb("report_at").$type<Record<string, number>>().notNull().default({}),
    upFlowKbps: integer("up_flow_kbps").notNull().default(0),
    deviceTotal: integer("device_total").notNull().default(0),
    deviceOnline: integer("device_online").notNull().default(0),
    deviceOffline: integer("device_offline").notNull().default(0),
    channelTotal: integer("channel_total").notNull().default(0),
    channelOnline: integer("channel_online").notNull().default(0),
    channelOffline: integer("channel_offline").notNull().default(0),
    upgrade: jsonb("upgrade").$type<StoredUpgradeState>(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("gateways_app_created").on(t.appId, t.createdAt, t.id)],
);

export const gatewayDevices = pgTable(
  "gateway_devices",
  {
    deviceId: uuid("device_id").primaryKey().references(() => devices.id, { onDelete: "cascade" }),
    gatewayId: uuid("gateway_id").notNull().references(() => gateways.id, { onDelete: "cascade" }),
    boxDeviceId: text("box_device_id").notNull(),
    protocolType: smallint("protocol_type").notNull(),
    ip: text("ip").notNull(),
    port: integer("port").notNull(),
  },
  (t) => [unique("gateway_devices_box_id").on(t.gatewayId, t.boxDeviceId)],
);

export const releases = pgTable("releases", {
  version: text("version").primaryKey(),
  services: jsonb("services").$type<Record<string, string>>().notNull(),
  notes: text("notes").notNull().default(""),
  file: text("file").notNull(),
  sha256: char("sha256", { length: 64 }).notNull(),
  size: bigint("size", { mode: "number" }).notNull(),
  publishedAt: timestamp("published_at", { withTimezone: true }).notNull().defaultNow(),
});

/** Play domains (spec 01 §5.4); a deleted one keeps its row (41623) with its certificate and key wiped. */
export const domains = pgTable(
  "domains",
  {
    id: uuid("id").primaryKey(),
    appId: text("app_id").notNull().references(() => accounts.appId),
    clusterId: uuid("cluster_id").notNull().references(() => serviceNodes.id),
    playDomain: text("play_domain").notNull(),
    internalDomain: text("internal_domain").notNull(),
    certPem: text("cert_pem").notNull(),
    keyEnc: text("key_enc").notNull(),
    certNotAfter: timestamp("cert_not_after", { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("domains_play_domain_live").on(t.playDomain).where(sql`deleted_at IS NULL`),
    uniqueIndex("domains_account_node_live").on(t.appId, t.clusterId).where(sql`deleted_at IS NULL`),
    index("domains_cluster").on(t.clusterId),
  ],
);

/** Live-to-cloud or recording-upload (migration 0010): the two kinds share the plan tables. */
export type PlanKind = "live" | "upload";

export const recordTemplates = pgTable(
  "record_templates",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull().references(() => accounts.appId),
    kind: text("kind").$type<PlanKind>().notNull(),
    name: text("name").notNull(),
    timeSections: jsonb("time_sections").$type<TimeSection[]>().notNull(),
    /** Upload templates: the part of yesterday's device recording to pull; null for live ones. */
    devTimeSections: jsonb("dev_time_sections").$type<TimeSection[]>(),
    scale: smallint("scale"),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique("record_templates_name").on(t.appId, t.kind, t.name), unique("record_templates_id_kind").on(t.id, t.kind)],
);

export const recordPlans = pgTable(
  "record_plans",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull().references(() => accounts.appId),
    kind: text("kind").$type<PlanKind>().notNull(),
    name: text("name").notNull(),
    templateId: text("template_id").notNull().references(() => recordTemplates.id, { onDelete: "restrict" }),
    describe: text("describe").notNull().default(""),
    streamType: text("stream_type").notNull().default("default"),
    transitionDays: integer("transition_days").notNull(),
    expirationDays: integer("expiration_days").notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("record_plans_name").on(t.appId, t.kind, t.name),
    unique("record_plans_id_kind").on(t.id, t.kind),
    index("record_plans_template").on(t.templateId),
    foreignKey({ name: "record_plans_template_kind", columns: [t.templateId, t.kind], foreignColumns: [recordTemplates.id, recordTemplates.kind] }).onDelete("restrict"),
  ],
);

export const recordPlanOrganizations = pgTable(
  "record_plan_organizations",
  {
    planId: text("plan_id").notNull().references(() => recordPlans.id, { onDelete: "cascade" }),
    appId: text("app_id").notNull().references(() => accounts.appId),
    kind: text("kind").$type<PlanKind>().notNull(),
    organizationId: bigint("organization_id", { mode: "number" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.planId, t.organizationId] }),
    unique("record_plan_organizations_one_plan").on(t.appId, t.kind, t.organizationId),
    foreignKey({ name: "record_plan_organizations_plan_kind", columns: [t.planId, t.kind], foreignColumns: [recordPlans.id, recordPlans.kind] }).onDelete("cascade"),
  ],
);

export const recordPlanChannels = pgTable(
  "record_plan_channels",
  {
    channelId: uuid("channel_id")
      .notNull()
      .references(() => channels.id, { onDelete: "cascade" }),
    planId: text("plan_id").notNull().references(() => recordPlans.id, { onDelete: "cascade" }),
    appId: text("app_id").notNull().references(() => accounts.appId),
    kind: text("kind").$type<PlanKind>().notNull(),
    /** true: in plan_id whatever the organization; false: taken out of plan_id's organizations. */
    member: boolean("member").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.channelId, t.kind] }),
    index("record_plan_channels_plan").on(t.planId),
    foreignKey({ name: "record_plan_channels_plan_kind", columns: [t.planId, t.kind], foreignColumns: [recordPlans.id, recordPlans.kind] }).onDelete("cascade"),
  ],
);

export const uploadPieceRowStates = ["pending", "uploading", "done", "failed", "no-recording", "missed"] as const;
export type UploadPieceRowState = (typeof uploadPieceRowStates)[number];

/** What the uploader did with each piece of an upload plan (migration 0010). */
export const recordUploadPieces = pgTable(
  "record_upload_pieces",
  {
    pieceId: text("piece_id").primaryKey(),
    appId: text("app_id").notNull().references(() => accounts.appId),
    planId: text("plan_id").notNull().references(() => recordPlans.id, { onDelete: "cascade" }),
    channelId: uuid("channel_id").notNull().references(() => channels.id, { onDelete: "cascade" }),
    footageDay: date("footage_day", { mode: "string" }).notNull(),
    startAt: timestamp("start_at", { withTimezone: true }).notNull(),
    endAt: timestamp("end_at", { withTimezone: true }).notNull(),
    windowEndAt: timestamp("window_end_at", { withTimezone: true }).notNull(),
    state: text("state").$type<UploadPieceRowState>().notNull(),
    storedUntil: timestamp("stored_until", { withTimezone: true }),
    reason: text("reason").notNull().default(""),
    attempts: integer("attempts").notNull().default(0),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("record_upload_pieces_channel").on(t.planId, t.channelId, t.footageDay)],
);

/** Cloud recording segments (migration 0007), one row per durable segment. */
export const recordingSegments = pgTable("recording_segments", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  clusterId: text("cluster_id").notNull(),
  deviceCode: text("device_code").notNull(),
  channelCode: text("channel_code").notNull(),
  planId: text("plan_id").notNull(),
  startAt: timestamp("start_at", { withTimezone: true }).notNull(),
  endAt: timestamp("end_at", { withTimezone: true }).notNull(),
  bytes: bigint("bytes", { mode: "number" }).notNull(),
  storage: text("storage").notNull(),
  storageClass: text("storage_class").notNull().default("standard"),
  objectKey: text("object_key").notNull().unique(),
  transitionAt: timestamp("transition_at", { withTimezone: true }).notNull(),
  expireAt: timestamp("expire_at", { withTimezone: true }).notNull(),
  createdAt: createdAt(),
  /** A cold segment restored by a retrieval task (migration 0011): its standard copy plays until then. */
  restoredUntil: timestamp("restored_until", { withTimezone: true }),
});

/** Runs of a channel's segments per storage class, kept by triggers on recording_segments (migration 0014). */
export const recordingSpans = pgTable(
  "recording_spans",
  {
    deviceCode: text("device_code").notNull(),
    channelCode: text("channel_code").notNull(),
    storageClass: text("storage_class").notNull(),
    startAt: timestamp("start_at", { withTimezone: true }).notNull(),
    endAt: timestamp("end_at", { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.deviceCode, t.channelCode, t.storageClass, t.startAt] })],
);

/** Each channel's longest segment (migration 0014): the lower bound of an overlap scan. */
export const recordingChannelExtents = pgTable(
  "recording_channel_extents",
  {
    deviceCode: text("device_code").notNull(),
    channelCode: text("channel_code").notNull(),
    longestSegment: interval("longest_segment").notNull(),
  },
  (t) => [primaryKey({ columns: [t.deviceCode, t.channelCode] })],
);

/** Retrieval tasks (spec 04 Part R, migration 0011). */
export const retrievalTasks = pgTable(
  "retrieval_tasks",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull().references(() => accounts.appId),
    name: text("name").notNull(),
    startAt: timestamp("start_at", { withTimezone: true }).notNull(),
    endAt: timestamp("end_at", { withTimezone: true }).notNull(),
    mode: smallint("mode").notNull(),
    expirationDays: integer("expiration_days").notNull(),
    createdAt: createdAt(),
  },
  (t) => [unique("retrieval_tasks_name").on(t.appId, t.name)],
);

export const retrievalTaskChannels = pgTable(
  "retrieval_task_channels",
  {
    taskId: text("task_id").notNull().references(() => retrievalTasks.id, { onDelete: "cascade" }),
    channelId: uuid("channel_id").notNull().references(() => channels.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    /** Whether the range had cold segments of the channel when the task was added (false: Status 3). */
    archived: boolean("archived").notNull(),
  },
  (t) => [primaryKey({ columns: [t.taskId, t.channelId] })],
);

/** 2 pending, 1 handed to the relay, 0 restored (the task Status values). */
export const retrievalTaskSegments = pgTable(
  "retrieval_task_segments",
  {
    taskId: text("task_id").notNull(),
    channelId: uuid("channel_id").notNull(),
    segmentId: bigint("segment_id", { mode: "number" }).notNull().references(() => recordingSegments.id, { onDelete: "cascade" }),
    state: smallint("state").notNull().default(2),
  },
  (t) => [
    primaryKey({ columns: [t.taskId, t.segmentId] }),
    foreignKey({ columns: [t.taskId, t.channelId], foreignColumns: [retrievalTaskChannels.taskId, retrievalTaskChannels.channelId] }).onDelete("cascade"),
  ],
);

/** Device import jobs (spec 02 §10–§12, migration 0009). */
export const deviceImportJobs = pgTable(
  "device_import_jobs",
  {
    appId: text("app_id").notNull().references(() => accounts.appId),
    jobId: uuid("job_id").notNull(),
    accessProtocol: smallint("access_protocol").notNull(),
    organizationId: bigint("organization_id", { mode: "number" }).notNull(),
    fileName: text("file_name").notNull().default(""),
    total: integer("total").notNull(),
    succeeded: integer("succeeded").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    createdAt: createdAt(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.appId, t.jobId] })],
);

export const deviceImportRows = pgTable(
  "device_import_rows",
  {
    appId: text("app_id").notNull(),
    jobId: uuid("job_id").notNull(),
    rowNumber: integer("row_number").notNull(),
    /** The row's cells as a JSON array of text, sealed with the master key (they may hold passwords). */
    cellsEnc: text("cells_enc").notNull(),
    state: smallint("state").notNull().default(0),
    deviceId: uuid("device_id"),
    errorCode: integer("error_code"),
    reason: text("reason").notNull().default(""),
  },
  (t) => [
    primaryKey({ columns: [t.appId, t.jobId, t.rowNumber] }),
    foreignKey({ columns: [t.appId, t.jobId], foreignColumns: [deviceImportJobs.appId, deviceImportJobs.jobId] }).onDelete("cascade"),
  ],
);

/** AI tasks (spec 04 Part A, migration 0012). `templates` is the validated Templates list. */
export const aiTasks = pgTable(
  "ai_tasks",
  {
    id: text("id").primaryKey(),
    appId: text("app_id").notNull().references(() => accounts.appId),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    status: text("status").$type<AiTaskStatus>().notNull(),
    callbackUrl: text("callback_url").notNull().default(""),
    templates: jsonb("templates").$type<AiTemplate[]>().notNull(),
    createdAt: createdAt(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("ai_tasks_app").on(t.appId, t.createdAt)],
);

/** One row per channel: the primary key is the one-task-per-channel rule (43716). */
export const aiTaskChannels = pgTable(
  "ai_task_channels",
  {
    channelId: uuid("channel_id").primaryKey().references(() => channels.id, { onDelete: "cascade" }),
    taskId: text("task_id").notNull().references(() => aiTasks.id, { onDelete: "cascade" }),
    appId: text("app_id").notNull().references(() => accounts.appId),
    /** Order of the task's ChannelList, which answers echo. */
    position: integer("position").notNull(),
  },
  (t) => [index("ai_task_channels_task").on(t.taskId, t.position)],
);

/** One analysed snapshot of one template (A5's "AI invocation"). */
export const aiResults = pgTable(
  "ai_results",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    taskId: text("task_id").notNull().references(() => aiTasks.id, { onDelete: "cascade" }),
    appId: text("app_id").notNull().references(() => accounts.appId),
    channelId: uuid("channel_id").notNull(),
    tag: text("tag").notNull(),
    detectType: text("detect_type").notNull().default(""),
    takenAt: timestamp("taken_at", { withTimezone: true }).notNull(),
    clusterId: text("cluster_id").notNull(),
    snapshotKey: text("snapshot_key").notNull(),
    objects: jsonb("objects").$type<AiDetection[]>().notNull(),
    /** When the snapshot goes with the recordings of its time (migration 0013); null: kept while the task is. */
    expireAt: timestamp("expire_at", { withTimezone: true }),
  },
  (t) => [
    unique("ai_results_once").on(t.taskId, t.channelId, t.detectType, t.takenAt),
    index("ai_results_query").on(t.taskId, t.channelId, t.takenAt),
    index("ai_results_snapshot").on(t.snapshotKey),
    index("ai_results_expiry").on(t.clusterId, t.expireAt),
  ],
);

export const schema = {
  accounts,
  apiKeys,
  serviceNodes,
  organizations,
  devices,
  deviceCodeSequences,
  channels,
  streamAuthConfigs,
  gatewayKeys,
  gateways,
  gatewayDevices,
  releases,
  recordTemplates,
  recordPlans,
  recordPlanOrganizations,
  recordPlanChannels,
  recordUploadPieces,
  domains,
  recordingSegments,
  recordingSpans,
  recordingChannelExtents,
  retrievalTasks,
  retrievalTaskChannels,
  retrievalTaskSegments,
  deviceImportJobs,
  deviceImportRows,
  aiTasks,
  aiTaskChannels,
  aiResults,
};
