-- +goose Up
-- What a processor's webhook did (docs/payments.md#17-stripe): settled a
-- payment, recorded a refund, or was not applied (an amount that differs
-- from the payment's), for the merchant's inspection.
ALTER TABLE gateway_events ADD COLUMN result TEXT;
-- Webhooks name the processor's operation: find its ledger line and refund.
CREATE INDEX payment_charges_gateway_ref ON payment_charges (workspace_id, test_mode, gateway_ref);
CREATE INDEX refunds_gateway_ref ON refunds (workspace_id, test_mode, gateway_ref);
-- The processor's account of a Cobro customer (a Stripe customer): made
-- once per customer, gateway and mode, and reused by every saved card.
CREATE TABLE gateway_customers (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode BOOLEAN NOT NULL,
    gateway TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    -- the processor's id (cus_…)
    account TEXT NOT NULL,
    created BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, test_mode, gateway, customer_id)
);

-- +goose Down
DROP TABLE gateway_customers;
DROP INDEX refunds_gateway_ref;
DROP INDEX payment_charges_gateway_ref;
ALTER TABLE gateway_events DROP COLUMN result;
