-- AI tasks (spec 04 Part A). Ids are "at" + 32 lowercase hex digits, as the document's examples.
-- Templates are kept as given (validated [{Tag, AIConfig | SnapshotConfig}]): read and written whole.
CREATE TABLE ai_tasks (
  id text PRIMARY KEY,
  app_id text NOT NULL REFERENCES accounts(app_id),
  name text NOT NULL,
  description text NOT NULL DEFAULT '',
  status text NOT NULL CHECK (status IN ('on', 'off')),
  callback_url text NOT NULL DEFAULT '',
  templates jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ai_tasks_app ON ai_tasks(app_id, created_at);

-- One AI task per channel (43716): the primary key says it, so two concurrent creates cannot both
-- win. A deleted channel leaves its task (ON DELETE CASCADE), which ends its analysis.
CREATE TABLE ai_task_channels (
  channel_id uuid PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
  task_id text NOT NULL REFERENCES ai_tasks(id) ON DELETE CASCADE,
  app_id text NOT NULL REFERENCES accounts(app_id),
  position integer NOT NULL
);
CREATE INDEX ai_task_channels_task ON ai_task_channels(task_id, position);

-- One row per analysed snapshot and template ("AI invocation", A5's AIResultCount). `objects` are
-- the detector's boxes [{Name, Score, X, Y, Width, Height}]; a Snapshot template's row has none.
-- channel_id has no foreign key: results outlive a deleted channel until their task goes.
CREATE TABLE ai_results (
  id bigserial PRIMARY KEY,
  task_id text NOT NULL REFERENCES ai_tasks(id) ON DELETE CASCADE,
  app_id text NOT NULL REFERENCES accounts(app_id),
  channel_id uuid NOT NULL,
  tag text NOT NULL,
  detect_type text NOT NULL DEFAULT '',
  taken_at timestamptz NOT NULL,
  cluster_id text NOT NULL,
  snapshot_key text NOT NULL,
  segment_key text NOT NULL DEFAULT '',
  objects jsonb NOT NULL,
  CONSTRAINT ai_results_once UNIQUE (task_id, channel_id, detect_type, taken_at)
);
CREATE INDEX ai_results_query ON ai_results(task_id, channel_id, taken_at DESC);
CREATE INDEX ai_results_snapshot ON ai_results(snapshot_key);
