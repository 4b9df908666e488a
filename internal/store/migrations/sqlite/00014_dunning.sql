-- +goose Up
-- Dunning and the customer portal (billing.md §8.13, §11): each
-- workspace's retry schedule and final action, one dunning row per
-- invoice whose automatic charge failed (its retries counted, so several
-- schedulers never retry twice), and the customer portal's sessions, of
-- which only the SHA-256 of the URL token is stored.
CREATE TABLE collection_settings (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
    retry_days TEXT NOT NULL,
    final_action TEXT NOT NULL,
    portal_cancel INTEGER NOT NULL,
    updated INTEGER NOT NULL
) STRICT;

CREATE TABLE dunnings (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    subscription_id TEXT NOT NULL,
    invoice_id TEXT NOT NULL UNIQUE,
    customer_id TEXT NOT NULL,
    status TEXT NOT NULL,
    retries INTEGER NOT NULL,
    retry_days TEXT NOT NULL,
    final_action TEXT NOT NULL,
    next_retry INTEGER,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
) STRICT;
CREATE INDEX dunnings_subscription ON dunnings (subscription_id);
CREATE INDEX dunnings_customer ON dunnings (customer_id);

CREATE TABLE portal_sessions (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    customer_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    return_url TEXT,
    expires INTEGER NOT NULL,
    created INTEGER NOT NULL
) STRICT;
CREATE INDEX portal_sessions_customer ON portal_sessions (customer_id);

-- +goose Down
DROP TABLE portal_sessions;
DROP TABLE dunnings;
DROP TABLE collection_settings;
