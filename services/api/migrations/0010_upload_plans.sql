-- Recording-upload plans and templates (spec 03 §2, §4) live in the live-to-cloud tables with a
-- `kind` ('live' | 'upload'): both kinds have the same channel rules (one plan of a kind per
-- channel, organizations, exclusions, names unique per account), so one store serves both and
-- every uniqueness rule becomes per kind. Composite foreign keys keep a plan on a template of its
-- own kind and a channel or organization row on a plan of its own kind.
ALTER TABLE record_templates ADD COLUMN kind text NOT NULL DEFAULT 'live';
ALTER TABLE record_templates ALTER COLUMN kind DROP DEFAULT;
ALTER TABLE record_templates ADD CONSTRAINT record_templates_kind CHECK (kind IN ('live', 'upload'));
-- Upload templates only: which part of yesterday's device recording to pull, and at what speed.
ALTER TABLE record_templates ADD COLUMN dev_time_sections jsonb;
ALTER TABLE record_templates ADD COLUMN scale smallint;
ALTER TABLE record_templates ADD CONSTRAINT record_templates_upload_fields
  CHECK ((kind = 'upload') = (dev_time_sections IS NOT NULL AND scale IS NOT NULL));
ALTER TABLE record_templates DROP CONSTRAINT record_templates_name;
ALTER TABLE record_templates ADD CONSTRAINT record_templates_name UNIQUE (app_id, kind, name);
ALTER TABLE record_templates ADD CONSTRAINT record_templates_id_kind UNIQUE (id, kind);

ALTER TABLE record_plans ADD COLUMN kind text NOT NULL DEFAULT 'live';
ALTER TABLE record_plans ALTER COLUMN kind DROP DEFAULT;
ALTER TABLE record_plans DROP CONSTRAINT record_plans_name;
ALTER TABLE record_plans ADD CONSTRAINT record_plans_name UNIQUE (app_id, kind, name);
ALTER TABLE record_plans ADD CONSTRAINT record_plans_id_kind UNIQUE (id, kind);
ALTER TABLE record_plans ADD CONSTRAINT record_plans_template_kind
  FOREIGN KEY (template_id, kind) REFERENCES record_templates(id, kind) ON DELETE RESTRICT;

ALTER TABLE record_plan_organizations ADD COLUMN kind text NOT NULL DEFAULT 'live';
ALTER TABLE record_plan_organizations ALTER COLUMN kind DROP DEFAULT;
ALTER TABLE record_plan_organizations DROP CONSTRAINT record_plan_organizations_one_plan;
ALTER TABLE record_plan_organizations ADD CONSTRAINT record_plan_organizations_one_plan UNIQUE (app_id, kind, organization_id);
ALTER TABLE record_plan_organizations ADD CONSTRAINT record_plan_organizations_plan_kind
  FOREIGN KEY (plan_id, kind) REFERENCES record_plans(id, kind) ON DELETE CASCADE;

-- One row per channel and kind: a channel may be in one live plan and one upload plan.
ALTER TABLE record_plan_channels ADD COLUMN kind text NOT NULL DEFAULT 'live';
ALTER TABLE record_plan_channels ALTER COLUMN kind DROP DEFAULT;
ALTER TABLE record_plan_channels DROP CONSTRAINT record_plan_channels_pkey;
ALTER TABLE record_plan_channels ADD PRIMARY KEY (channel_id, kind);
ALTER TABLE record_plan_channels ADD CONSTRAINT record_plan_channels_plan_kind
  FOREIGN KEY (plan_id, kind) REFERENCES record_plans(id, kind) ON DELETE CASCADE;

-- What the uploader did with each piece (one DevTimeSections stretch of one footage day of one
-- channel of one upload plan): the plan's channel list shows what was uploaded and what is missing.
-- state: pending (due, not started), uploading (stored_until so far), done, failed (reason; retried
-- while the window is open), no-recording (the device has nothing there), missed (the window closed first).
CREATE TABLE record_upload_pieces (
  piece_id text PRIMARY KEY,
  app_id text NOT NULL REFERENCES accounts(app_id),
  plan_id text NOT NULL REFERENCES record_plans(id) ON DELETE CASCADE,
  channel_id uuid NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  -- The footage's local date (the schedule's zone): pieces of one upload day are shown together.
  footage_day date NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL,
  window_end_at timestamptz NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'uploading', 'done', 'failed', 'no-recording', 'missed')),
  stored_until timestamptz,
  reason text NOT NULL DEFAULT '',
  attempts integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX record_upload_pieces_channel ON record_upload_pieces (plan_id, channel_id, footage_day);
CREATE INDEX record_upload_pieces_open ON record_upload_pieces (window_end_at) WHERE state IN ('pending', 'uploading', 'failed');
