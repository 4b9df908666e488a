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
    created INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT,
    token_hash TEXT UNIQUE,
    token_created INTEGER,
    created INTEGER NOT NULL
) STRICT;

CREATE TABLE memberships (
    user_id TEXT NOT NULL REFERENCES users(id),
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    created INTEGER NOT NULL,
    PRIMARY KEY (user_id, workspace_id)
) STRICT;

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    status_code INTEGER,
    response TEXT,
    created INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) STRICT;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created);

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    test_mode INTEGER NOT NULL,
    event TEXT NOT NULL,
    object_id TEXT NOT NULL,
    object_type TEXT NOT NULL,
    -- seq orders the events of one request causally (same created).
    seq INTEGER NOT NULL,
    created INTEGER NOT NULL
) STRICT;
CREATE INDEX events_scope_created ON events (workspace_id, test_mode, created, seq);

CREATE TABLE customers (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
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
    tax_settings TEXT NOT NULL,
    metadata TEXT NOT NULL,
    send_invoices INTEGER NOT NULL,
    send_collections INTEGER NOT NULL,
    send_vouchers INTEGER NOT NULL,
    status TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
) STRICT;
CREATE INDEX customers_scope_created ON customers (workspace_id, test_mode, created);

CREATE TABLE orgunits (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    test_mode INTEGER NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    UNIQUE (customer_id, name_key)
) STRICT;
CREATE INDEX orgunits_scope_created ON orgunits (workspace_id, test_mode, created);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    test_mode INTEGER NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    orgunit_id TEXT REFERENCES orgunits(id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT,
    invoicing INTEGER NOT NULL,
    collections INTEGER NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
) STRICT;
CREATE INDEX contacts_customer ON contacts (customer_id);
CREATE INDEX contacts_scope_created ON contacts (workspace_id, test_mode, created);

-- Catalogues: shipped with Cobro, rewritten from Go data at every start.
CREATE TABLE countries (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    code TEXT NOT NULL,
    has_regulation INTEGER NOT NULL,
    currencies TEXT NOT NULL,
    tax_percent TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    tax_id_name TEXT
) STRICT;

CREATE TABLE states (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL
) STRICT;

CREATE TABLE currencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    conversion TEXT,
    country TEXT NOT NULL,
    is_default INTEGER NOT NULL,
    is_chargeable INTEGER NOT NULL,
    available INTEGER NOT NULL,
    rounded INTEGER NOT NULL
) STRICT;

CREATE TABLE document_types (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    currency TEXT NOT NULL,
    tax TEXT NOT NULL,
    kind TEXT NOT NULL,
    has_taxes INTEGER NOT NULL,
    has_taxes_detail INTEGER NOT NULL,
    has_lines_total INTEGER NOT NULL,
    has_local_format INTEGER NOT NULL,
    hold_taxes INTEGER NOT NULL,
    is_foreign INTEGER NOT NULL,
    is_sale INTEGER NOT NULL,
    is_purchase INTEGER NOT NULL,
    is_order INTEGER NOT NULL,
    send INTEGER NOT NULL,
    given INTEGER NOT NULL,
    biller TEXT NOT NULL,
    max_lines INTEGER NOT NULL
) STRICT;

CREATE TABLE reference_types (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    country TEXT NOT NULL
) STRICT;

CREATE TABLE frequencies (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_en TEXT NOT NULL,
    interval_unit TEXT NOT NULL,
    interval_count INTEGER NOT NULL
) STRICT;

CREATE TABLE exchange_rates (
    id TEXT PRIMARY KEY,
    currency_from TEXT NOT NULL,
    currency_to TEXT NOT NULL,
    amount TEXT NOT NULL,
    date TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    UNIQUE (currency_from, currency_to, date)
) STRICT;

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
