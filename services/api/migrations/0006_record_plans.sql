-- Live-to-cloud templates and plans (spec 03 §1, §3). Ids are 32 lowercase hex digits, as the
-- document's examples; names are unique per account (docs/api-decisions.md).

-- TimeSections are kept as given ([{DayOfWeek, StartTime, EndTime}], in order): they are read and
-- written whole, and src/recordings/schedule.ts evaluates them.
CREATE TABLE record_templates (
  id text PRIMARY KEY,
  app_id text NOT NULL REFERENCES accounts(app_id),
  name text NOT NULL,
  time_sections jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT record_templates_name UNIQUE (app_id, name)
);

-- A template a plan uses cannot be deleted (43409): RESTRICT backs the route's check.
CREATE TABLE record_plans (
  id text PRIMARY KEY,
  app_id text NOT NULL REFERENCES accounts(app_id),
  name text NOT NULL,
  template_id text NOT NULL REFERENCES record_templates(id) ON DELETE RESTRICT,
  describe text NOT NULL DEFAULT '',
  stream_type text NOT NULL DEFAULT 'default',
  transition_days integer NOT NULL,
  expiration_days integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT record_plans_name UNIQUE (app_id, name)
);
CREATE INDEX record_plans_template ON record_plans(template_id);

-- Organizations whose channels are in a plan, evaluated at every read (a channel added to the
-- organization later is in the plan). One plan per organization, so one plan per channel holds.
-- organization_id 0 is each account's root, which has no row: hence no foreign key.
CREATE TABLE record_plan_organizations (
  plan_id text NOT NULL REFERENCES record_plans(id) ON DELETE CASCADE,
  app_id text NOT NULL REFERENCES accounts(app_id),
  organization_id bigint NOT NULL,
  PRIMARY KEY (plan_id, organization_id),
  CONSTRAINT record_plan_organizations_one_plan UNIQUE (app_id, organization_id)
);

-- Per channel at most one row (so at most one plan): `member` true puts the channel in plan_id
-- whatever its organization; false takes it out of plan_id's organizations (Mod.Del of a channel
-- that was in by organization).
CREATE TABLE record_plan_channels (
  channel_id uuid PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
  plan_id text NOT NULL REFERENCES record_plans(id) ON DELETE CASCADE,
  app_id text NOT NULL REFERENCES accounts(app_id),
  member boolean NOT NULL
);
CREATE INDEX record_plan_channels_plan ON record_plan_channels(plan_id);
