-- +goose Up
-- Timestamps are integer microseconds since the Unix epoch (UTC) in both
-- dialects: one code path, exact ordering, rendered in the workspace zone.
-- Money and rates are exact decimals: NUMERIC on PostgreSQL, TEXT on SQLite.
CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    currency TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT,
    token_hash TEXT UNIQUE,
    token_created BIGINT,
    created BIGINT NOT NULL
);

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users(id),
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created BIGINT NOT NULL,
    PRIMARY KEY (user_id, workspace_id)
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    status_code BIGINT,
    response TEXT,
    created BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created);

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    test_mode BOOLEAN NOT NULL,
    event TEXT NOT NULL,
    object_id TEXT NOT NULL,
    object_type TEXT NOT NULL,
    -- seq orders the events of one request causally (same created).
    seq BIGINT NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX events_scope_created ON events (workspace_id, test_mode, created, seq);

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode BOOLEAN NOT NULL,
    name TEXT NOT NULL,
    address TEXT,
    country TEXT NOT NULL,
    state TEXT,
    currency TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    website TEXT,
    zip_code TEXT,
    manager TEXT,
    reference TEXT,
    tax_id TEXT,
    tax_settings JSON NOT NULL,
    metadata JSON NOT NULL,
    send_invoices BOOLEAN NOT NULL,
    send_collections BOOLEAN NOT NULL,
    send_vouchers BOOLEAN NOT NULL,
    status TEXT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX customers_scope_created ON customers (workspace_id, test_mode, created);

CREATE TABLE orgunits (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    test_mode BOOLEAN NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    UNIQUE (customer_id, name_key)
);
CREATE INDEX orgunits_scope_created ON orgunits (workspace_id, test_mode, created);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    test_mode BOOLEAN NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    orgunit_id TEXT REFERENCES orgunits(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT,
    invoicing BOOLEAN NOT NULL,
    collections BOOLEAN NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX contacts_customer ON contacts (customer_id);
CREATE INDEX contacts_scope_created ON contacts (workspace_id, test_mode, created);

-- Catalogues: shipped with Cobro, rewritten from Go data at every start.
CREATE TABLE countries (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    code TEXT NOT NULL,
    has_regulation BOOLEAN NOT NULL,
    currencies JSON NOT NULL,
    tax_percent NUMERIC NOT NULL,
    time_zone TEXT NOT NULL,
    tax_id_name TEXT
);

CREATE TABLE states (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL
);

CREATE TABLE currencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    conversion TEXT,
    country TEXT NOT NULL,
    is_default BOOLEAN NOT NULL,
    is_chargeable BOOLEAN NOT NULL,
    available BOOLEAN NOT NULL,
    rounded BOOLEAN NOT NULL
);

CREATE TABLE document_types (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    currency TEXT NOT NULL,
    tax NUMERIC NOT NULL,
    kind TEXT NOT NULL,
    has_taxes BOOLEAN NOT NULL,
    has_taxes_detail BOOLEAN NOT NULL,
    has_lines_total BOOLEAN NOT NULL,
    has_local_format BOOLEAN NOT NULL,
    hold_taxes BOOLEAN NOT NULL,
    is_foreign BOOLEAN NOT NULL,
    is_sale BOOLEAN NOT NULL,
    is_purchase BOOLEAN NOT NULL,
    is_order BOOLEAN NOT NULL,
    send BOOLEAN NOT NULL,
    given BOOLEAN NOT NULL,
    biller TEXT NOT NULL,
    max_lines BIGINT NOT NULL
);

CREATE TABLE reference_types (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    country TEXT NOT NULL
);

CREATE TABLE frequencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    interval_unit TEXT NOT NULL,
    interval_count BIGINT NOT NULL
);

CREATE TABLE exchange_rates (
    id TEXT PRIMARY KEY,
    currency_from TEXT NOT NULL,
    currency_to TEXT NOT NULL,
    amount NUMERIC NOT NULL,
    date TEXT NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL,
    UNIQUE (currency_from, currency_to, date)
);

-- +goose Down
DROP TABLE exchange_rates;
DROP TABLE frequencies;
DROP TABLE reference_types;
DROP TABLE document_types;
DROP TABLE currencies;
DROP TABLE states;
DROP TABLE countries;
DROP TABLE contacts;
DROP TABLE orgunits;
DROP TABLE customers;
DROP TABLE events;
DROP TABLE idempotency_keys;
DROP TABLE settings;
DROP TABLE memberships;
DROP TABLE users;
DROP TABLE workspaces;
