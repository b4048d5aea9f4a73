-- The box's `at` of the last report the platform accepted, per report name (heartbeat, devices,
-- upgrade status): a signed report is applied only when it is newer, so a captured one cannot be
-- replayed (gateway-report-check.ts).
ALTER TABLE gateways ADD COLUMN report_at jsonb NOT NULL DEFAULT '{}';
