-- Device import jobs (spec 02 §10–§12). The caller names the job (JobId, a UUID it generates); a
-- JobId is the account's: another account's job with the same id is invisible to it.
CREATE TABLE device_import_jobs (
  app_id text NOT NULL REFERENCES accounts(app_id),
  job_id uuid NOT NULL,
  access_protocol smallint NOT NULL,
  organization_id bigint NOT NULL,
  -- The uploaded file's name (UTF-8), for the result file's name.
  file_name text NOT NULL DEFAULT '',
  total integer NOT NULL,
  succeeded integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Set when the last row was processed (State 1); a job without it is resumed at the API's start.
  finished_at timestamptz,
  PRIMARY KEY (app_id, job_id)
);
CREATE INDEX device_import_jobs_unfinished ON device_import_jobs (created_at) WHERE finished_at IS NULL;

-- One row per data row of the sheet, in sheet order. The cells may hold device passwords, so they
-- are kept sealed with the master key, as devices.password_enc is.
CREATE TABLE device_import_rows (
  app_id text NOT NULL,
  job_id uuid NOT NULL,
  row_number integer NOT NULL,
  cells_enc text NOT NULL,
  -- 0 pending, 1 created, 2 refused.
  state smallint NOT NULL DEFAULT 0,
  device_id uuid,
  error_code integer,
  reason text NOT NULL DEFAULT '',
  PRIMARY KEY (app_id, job_id, row_number),
  FOREIGN KEY (app_id, job_id) REFERENCES device_import_jobs(app_id, job_id) ON DELETE CASCADE
);
