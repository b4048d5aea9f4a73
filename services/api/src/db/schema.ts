import { bigserial, bigint, boolean, char, index, integer, pgTable, smallint, text, timestamp, unique, uuid } from "drizzle-orm/pg-core";

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
    password: text("password").notNull(),
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
  (t) => [unique("channels_device_code").on(t.deviceId, t.code), index("channels_app_device").on(t.appId, t.deviceId)],
);

export const schema = { accounts, apiKeys, serviceNodes, organizations, devices, deviceCodeSequences, channels };
