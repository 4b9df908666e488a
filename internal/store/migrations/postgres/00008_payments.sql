-- +goose Up
-- Payments (payments.md): sources, payments, the charges the gateways made,
-- payment links and their intents. Money is exact (NUMERIC).
CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode BOOLEAN NOT NULL,
    gateway TEXT NOT NULL,
    customer_id TEXT REFERENCES customers(id),
    usage TEXT NOT NULL,
    status TEXT NOT NULL,
    amount NUMERIC,
    description TEXT,
    return_url TEXT,
    gateway_data JSON NOT NULL,
    -- the gateway's own reference of the means of payment (never card data)
    gateway_token TEXT NOT NULL,
    client JSON NOT NULL,
    card JSON,
    -- publishable sources may only pay this payment
    payment_id TEXT,
    metadata JSON NOT NULL,
    -- requires_authorization/waiting_authorization: fails after this time
    auth_deadline BIGINT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX sources_scope_created ON sources (workspace_id, test_mode, created);
CREATE INDEX sources_customer ON sources (customer_id);

CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode BOOLEAN NOT NULL,
    amount NUMERIC NOT NULL,
    currency TEXT NOT NULL,
    date TEXT NOT NULL,
    description TEXT NOT NULL,
    invoice_id TEXT REFERENCES documents(id),
    subscription_id TEXT,
    customer_id TEXT REFERENCES customers(id),
    balance NUMERIC NOT NULL,
    payment_date BIGINT,
    sources JSON NOT NULL,
    status TEXT NOT NULL,
    failed_reason TEXT,
    return_url TEXT,
    enable_checkout BOOLEAN NOT NULL,
    metadata JSON NOT NULL,
    -- processing: the source and amount held by the authorization
    held_source TEXT,
    held_amount NUMERIC,
    held_at BIGINT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX payments_scope_created ON payments (workspace_id, test_mode, created);
CREATE INDEX payments_invoice ON payments (invoice_id);
CREATE INDEX payments_customer ON payments (customer_id);

-- Every gateway operation of a payment (authorize, capture, charge), in
-- order: the ledger proving what was collected, and how often.
CREATE TABLE payment_charges (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode BOOLEAN NOT NULL,
    payment_id TEXT NOT NULL REFERENCES payments(id),
    source_id TEXT NOT NULL REFERENCES sources(id),
    kind TEXT NOT NULL,
    amount NUMERIC NOT NULL,
    status TEXT NOT NULL,
    failed_reason TEXT,
    created BIGINT NOT NULL
);
CREATE INDEX payment_charges_payment ON payment_charges (payment_id, created);

CREATE TABLE payment_links (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode BOOLEAN NOT NULL,
    publishable_key TEXT NOT NULL UNIQUE,
    amount NUMERIC NOT NULL,
    -- the invoice line amount (net for taxed types, payments.md §4.3)
    line_amount NUMERIC NOT NULL,
    currency TEXT NOT NULL,
    description TEXT NOT NULL,
    document_type TEXT NOT NULL,
    exempt BOOLEAN NOT NULL,
    customer_id TEXT REFERENCES customers(id),
    invoice_id TEXT REFERENCES documents(id),
    gateway TEXT NOT NULL,
    capture_method TEXT NOT NULL,
    single_use BOOLEAN NOT NULL,
    return_url TEXT,
    expires BIGINT,
    status TEXT NOT NULL,
    archived BIGINT,
    metadata JSON NOT NULL,
    intents BIGINT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX payment_links_scope_created ON payment_links (workspace_id, test_mode, created);

CREATE TABLE payment_link_intents (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode BOOLEAN NOT NULL,
    link_id TEXT NOT NULL REFERENCES payment_links(id),
    status TEXT NOT NULL,
    amount NUMERIC NOT NULL,
    currency TEXT NOT NULL,
    payer JSON NOT NULL,
    customer_id TEXT REFERENCES customers(id),
    source_id TEXT REFERENCES sources(id),
    payment_id TEXT REFERENCES payments(id),
    invoice_id TEXT REFERENCES documents(id),
    failed_reason TEXT,
    error TEXT,
    authorized BIGINT,
    captured BIGINT,
    finalized BIGINT,
    failed BIGINT,
    cancelled BIGINT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX payment_link_intents_scope_created ON payment_link_intents (workspace_id, test_mode, created);
CREATE INDEX payment_link_intents_link ON payment_link_intents (link_id);
CREATE INDEX payment_link_intents_source ON payment_link_intents (source_id);

-- +goose Down
DROP TABLE payment_link_intents;
DROP TABLE payment_links;
DROP TABLE payment_charges;
DROP TABLE payments;
DROP TABLE sources;
