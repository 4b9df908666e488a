-- +goose Up
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode BOOLEAN NOT NULL,
    url TEXT NOT NULL,
    description TEXT,
    events JSON NOT NULL,
    status TEXT NOT NULL,
    disabled_reason TEXT,
    disabled BIGINT,
    consecutive_failures BIGINT NOT NULL,
    secret TEXT NOT NULL,
    -- during a rotation the old secret still signs webhook-signature for 24 h
    previous_secret TEXT,
    previous_secret_until BIGINT,
    metadata JSON NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_scope ON webhook_endpoints (workspace_id, test_mode, created);

-- One delivery per (event, endpoint) and redelivery; its attempts below.
CREATE TABLE deliveries (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    test_mode BOOLEAN NOT NULL,
    event_id TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    webhook_id TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    next_attempt BIGINT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX deliveries_event ON deliveries (event_id, created);
CREATE INDEX deliveries_webhook_status ON deliveries (webhook_id, status);

CREATE TABLE delivery_attempts (
    delivery_id TEXT NOT NULL REFERENCES deliveries(id) ON DELETE CASCADE,
    number BIGINT NOT NULL,
    at BIGINT NOT NULL,
    status_code BIGINT,
    error TEXT,
    duration_ms BIGINT NOT NULL,
    response_body TEXT,
    PRIMARY KEY (delivery_id, number)
);

-- The one job table of background work (webhook delivery now; billing runs
-- and tax-agency submissions later). A unique key per job makes retries
-- and several nodes do each piece of work once; a lease (locked_until)
-- hands the work of a crashed node to another.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    unique_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT,
    created BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs (run_at);

-- +goose Down
DROP TABLE jobs;
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
DROP TABLE webhook_endpoints;
