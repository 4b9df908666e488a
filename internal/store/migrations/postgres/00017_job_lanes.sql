-- +goose Up
-- The job runner's lanes (internal/jobs, Kind.Lanes) are stored on the job
-- row when it is enqueued, so that a claim reads them without a join:
-- lane1 and lane2 are a kind's first and second grouping (for webhook
-- deliveries the workspace and the endpoint). Jobs queued before this
-- migration get theirs from their delivery; a job without lanes shares
-- the empty one.
ALTER TABLE jobs ADD COLUMN lane1 TEXT;
ALTER TABLE jobs ADD COLUMN lane2 TEXT;
UPDATE jobs SET
    lane1 = (SELECT d.workspace_id FROM deliveries d WHERE d.id = substr(jobs.unique_key, 9)),
    lane2 = (SELECT d.webhook_id FROM deliveries d WHERE d.id = substr(jobs.unique_key, 9))
WHERE kind = 'webhook';

-- +goose Down
ALTER TABLE jobs DROP COLUMN lane2;
ALTER TABLE jobs DROP COLUMN lane1;
