-- +goose Up
-- One table for every fiscal document kind (invoices, credit notes, debit
-- notes, orders; later purchases and retentions): they are configurations
-- of one engine. Lines are a JSON array on the row (one write per document);
-- line_names feeds the list search.
CREATE TABLE documents (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode BOOLEAN NOT NULL,
    kind TEXT NOT NULL,
    document_type TEXT NOT NULL,
    customer_id TEXT REFERENCES customers(id),
    invoice_id TEXT REFERENCES documents(id),
    credit_note_id TEXT REFERENCES documents(id),
    number BIGINT,
    currency TEXT NOT NULL,
    date TEXT NOT NULL,
    due_date TEXT,
    period_start TEXT,
    period_end TEXT,
    collection_method TEXT,
    note TEXT,
    internal_note TEXT,
    lines JSON NOT NULL,
    line_names TEXT NOT NULL,
    amount NUMERIC NOT NULL,
    exempt NUMERIC,
    tax NUMERIC,
    tax_percent NUMERIC NOT NULL,
    subtotal NUMERIC NOT NULL,
    total NUMERIC NOT NULL,
    total_adjusted NUMERIC,
    -- total_adjusted and the amount collected in cents (every amount has
    -- at most 2 decimals), so customer aggregations are exact SQL SUMs on
    -- both databases; the payments work maintains collected_cents.
    total_adjusted_cents BIGINT,
    collected_cents BIGINT NOT NULL DEFAULT 0,
    retention NUMERIC,
    discount NUMERIC NOT NULL,
    discount_scheme TEXT NOT NULL,
    custom_change NUMERIC,
    status TEXT NOT NULL,
    biller_status TEXT NOT NULL,
    tax_agency JSON NOT NULL,
    local_file TEXT,
    subscription_id TEXT,
    imported BOOLEAN NOT NULL,
    uncollectible BIGINT,
    refs JSON NOT NULL,
    tax_settings JSON NOT NULL,
    metadata JSON NOT NULL,
    user_email TEXT,
    -- the customer as it was at finalize: fiscal files and PDFs keep it
    receiver JSON,
    address TEXT,
    carrier_id TEXT,
    carrier_name TEXT,
    state TEXT,
    licence_plate TEXT,
    shipping_type TEXT,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
-- The scope columns lead every index, so a lookup by customer or invoice
-- has more equality columns than the list index and SQLite's planner picks
-- it even without ANALYZE statistics.
-- The workspace's own numbers are unique per type; a received document
-- (imported) carries its supplier's number, unique per supplier and type
-- (index added with the supplier column, migration 00005).
CREATE UNIQUE INDEX documents_number ON documents (workspace_id, test_mode, document_type, number) WHERE NOT imported;
CREATE INDEX documents_scope_kind_created ON documents (workspace_id, test_mode, kind, created);
CREATE INDEX documents_customer ON documents (workspace_id, test_mode, customer_id, kind, status);
CREATE INDEX documents_invoice ON documents (workspace_id, test_mode, invoice_id, kind);
CREATE INDEX documents_credit_note ON documents (workspace_id, test_mode, credit_note_id, kind);

-- Customer aggregations, maintained by every change of an invoice (in the
-- same transaction): one row per customer, currency and invoice day, so a
-- read sums a handful of rows instead of every invoice, and the current
-- period and currency conversion (per day) still work.
CREATE TABLE customer_totals (
    workspace_id TEXT NOT NULL,
    test_mode BOOLEAN NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    currency TEXT NOT NULL,
    day TEXT NOT NULL,
    sales_cents BIGINT NOT NULL,
    balance_cents BIGINT NOT NULL,
    PRIMARY KEY (customer_id, currency, day)
);

-- Numbering: one row per workspace, mode and document type. The upsert
-- that takes a number locks the row until commit, so numbers are unique
-- and gapless across nodes (a rolled-back transaction gives its number back).
CREATE TABLE sequences (
    workspace_id TEXT NOT NULL,
    test_mode BOOLEAN NOT NULL,
    document_type TEXT NOT NULL,
    next_number BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, test_mode, document_type)
);

-- Files served through signed local_file URLs (fiscal XML).
CREATE TABLE files (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    test_mode BOOLEAN NOT NULL,
    object_id TEXT NOT NULL,
    content_type TEXT NOT NULL,
    filename TEXT NOT NULL,
    data BYTEA NOT NULL,
    created BIGINT NOT NULL
);
CREATE INDEX files_object ON files (object_id);

CREATE TABLE reminders (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    test_mode BOOLEAN NOT NULL,
    invoice_id TEXT,
    payment_id TEXT,
    order_id TEXT,
    credit_note_id TEXT,
    recipient JSON NOT NULL,
    subject TEXT NOT NULL,
    message TEXT NOT NULL,
    action TEXT,
    payment_link_id TEXT,
    status TEXT NOT NULL,
    error TEXT,
    sent BIGINT,
    user_email TEXT,
    created BIGINT NOT NULL
);
CREATE INDEX reminders_scope_created ON reminders (workspace_id, test_mode, created);

-- +goose Down
DROP TABLE reminders;
DROP TABLE files;
DROP TABLE sequences;
DROP TABLE customer_totals;
DROP TABLE documents;
