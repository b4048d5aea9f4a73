-- Retrieval tasks (录像取回, spec 04 Part R): make a time range of cold (archived) segments of up
-- to 32 channels readable again for Expiration days. The relay that stored a segment copies it to
-- standard storage (the cold original stays) and removes the copy when restored_until has passed;
-- until then the segment plays and downloads as a standard one.
ALTER TABLE recording_segments ADD COLUMN restored_until timestamptz;
CREATE INDEX recording_segments_restored ON recording_segments (cluster_id, restored_until) WHERE restored_until IS NOT NULL;

CREATE TABLE retrieval_tasks (
  id text PRIMARY KEY,
  app_id text NOT NULL REFERENCES accounts(app_id),
  name text NOT NULL,
  start_at timestamptz NOT NULL,
  end_at timestamptz NOT NULL,
  mode smallint NOT NULL,
  expiration_days integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT retrieval_tasks_name UNIQUE (app_id, name)
);

-- archived false: the channel had no cold segment in the range when the task was added (Status 3).
CREATE TABLE retrieval_task_channels (
  task_id text NOT NULL REFERENCES retrieval_tasks(id) ON DELETE CASCADE,
  channel_id uuid NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
  position integer NOT NULL,
  archived boolean NOT NULL,
  PRIMARY KEY (task_id, channel_id)
);

-- The cold segments a task wants restored. state: 2 pending, 1 handed to the relay, 0 restored.
-- A segment deleted by its lifecycle takes its rows with it.
CREATE TABLE retrieval_task_segments (
  task_id text NOT NULL,
  channel_id uuid NOT NULL,
  segment_id bigint NOT NULL REFERENCES recording_segments(id) ON DELETE CASCADE,
  state smallint NOT NULL DEFAULT 2,
  PRIMARY KEY (task_id, segment_id),
  FOREIGN KEY (task_id, channel_id) REFERENCES retrieval_task_channels(task_id, channel_id) ON DELETE CASCADE
);
CREATE INDEX retrieval_task_segments_open ON retrieval_task_segments (segment_id) WHERE state <> 0;
