-- AI snapshots are deleted with the recordings (issue 17): a result's expiry is fixed when it is
-- stored, from its channel's recording plan (LifeCycle Transition + Expiration days after the frame),
-- as a segment's is. Rows stored before this have none and stay until their task is deleted.
ALTER TABLE ai_results ADD COLUMN expire_at timestamptz;
CREATE INDEX ai_results_expiry ON ai_results(cluster_id, expire_at) WHERE expire_at IS NOT NULL;
