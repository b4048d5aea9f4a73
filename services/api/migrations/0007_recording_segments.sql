-- Cloud recording (issue 15): one row per stored segment, added by the API when the relay reports
-- the segment's bytes durable (api.recording.segment-stored). object_key is unique, so a retried or
-- replayed report adds nothing twice. transition_at / expire_at are fixed when the row is added from
-- the plan's LifeCycle at that time; the lifecycle pass moves rows past transition_at to cold storage
-- and deletes rows past expire_at (the bytes first, then the row: a crash between the two leaves a row
-- the next pass deletes again, never bytes nobody can find).
CREATE TABLE recording_segments (
  id bigserial PRIMARY KEY,
  -- The relay cluster that stored it: the lifecycle pass of that cluster moves and deletes its bytes.
  cluster_id text NOT NULL,
  device_code text NOT NULL,
  channel_code text NOT NULL,
  plan_id text NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL,
  bytes bigint NOT NULL,
  storage text NOT NULL,
  storage_class text NOT NULL DEFAULT 'standard',
  object_key text NOT NULL UNIQUE,
  transition_at timestamptz NOT NULL,
  expire_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recording_segments_channel_time ON recording_segments (device_code, channel_code, start_at);
CREATE INDEX recording_segments_transition ON recording_segments (cluster_id, storage_class, transition_at);
CREATE INDEX recording_segments_expire ON recording_segments (cluster_id, expire_at);
