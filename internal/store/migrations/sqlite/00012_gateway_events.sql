-- +goose Up
-- Processors' webhook events already handled (payments.md §1.7): a
-- processor retries an event until it is acknowledged and may send it
-- twice, so each event id is acted on once per workspace and mode.
CREATE TABLE gateway_events (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode BOOLEAN NOT NULL,
    gateway TEXT NOT NULL,
    -- the processor's event id (Stripe's evt_…)
    event_id TEXT NOT NULL,
    -- what it named (pi_…) and its type, for the merchant's inspection
    reference TEXT,
    kind TEXT,
    created BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, test_mode, gateway, event_id)
);
-- an event names the processor's reference of a source (a PaymentIntent)
CREATE INDEX sources_gateway_token ON sources (workspace_id, test_mode, gateway_token);

-- +goose Down
DROP INDEX sources_gateway_token;
DROP TABLE gateway_events;
