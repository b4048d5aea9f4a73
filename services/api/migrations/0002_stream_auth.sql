-- Push/pull stream authentication per account (spec 01 §5.8–5.9): one row per account, created on first
-- read so the config Id a client reads is the one it must send back. Expiries are minutes (0–60).
CREATE TABLE stream_auth_configs (
  app_id text PRIMARY KEY REFERENCES accounts(app_id),
  id uuid NOT NULL UNIQUE,
  push_state smallint NOT NULL DEFAULT 0,
  push_secret text NOT NULL DEFAULT '',
  push_expired_minutes integer NOT NULL DEFAULT 0,
  pull_state smallint NOT NULL DEFAULT 0,
  pull_secret text NOT NULL DEFAULT '',
  pull_expired_minutes integer NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- api.stream.authorize looks live streams up by channel code (the relay's stream id).
CREATE INDEX channels_code ON channels(code);
