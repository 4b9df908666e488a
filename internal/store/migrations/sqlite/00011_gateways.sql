-- +goose Up
-- Payment gateways (payments.md §1.2, §3.10): each workspace's credentials
-- per gateway and mode (secret settings sealed with AES-GCM under a key
-- derived from the server secret, never stored in clear), the processor's
-- reference of every ledger operation (what a refund names), and refunds.
CREATE TABLE gateway_accounts (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode BOOLEAN NOT NULL,
    gateway TEXT NOT NULL,
    -- the non-secret settings (environment, commerce code…), JSON object
    settings JSON NOT NULL,
    -- the secret settings, a sealed JSON object (NULL: none)
    secrets BLOB,
    -- the workspace's default gateway of the mode (at most one row)
    is_default BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, test_mode, gateway)
);

ALTER TABLE payment_charges ADD COLUMN gateway_ref TEXT;
-- the processor's reference of an intent's authorization, then capture
ALTER TABLE payment_link_intents ADD COLUMN gateway_ref TEXT;

CREATE TABLE refunds (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode BOOLEAN NOT NULL,
    payment_id TEXT NOT NULL REFERENCES payments(id),
    amount NUMERIC NOT NULL,
    currency TEXT NOT NULL,
    reason TEXT,
    -- succeeded, pending (the processor answers later), failed
    status TEXT NOT NULL,
    failed_reason TEXT,
    -- the processor's id of the refund
    gateway_ref TEXT,
    credit_note_id TEXT REFERENCES documents(id),
    metadata JSON NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id, created);
CREATE INDEX refunds_scope_created ON refunds (workspace_id, test_mode, created);

-- +goose Down
DROP TABLE refunds;
ALTER TABLE payment_link_intents DROP COLUMN gateway_ref;
ALTER TABLE payment_charges DROP COLUMN gateway_ref;
DROP TABLE gateway_accounts;
