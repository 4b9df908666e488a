-- +goose Up
-- Purchases and purchase credit notes are documents too (same engine): the
-- supplier they are bought from, and the purchase a credit note adjusts.
ALTER TABLE documents ADD COLUMN supplier_id TEXT;
ALTER TABLE documents ADD COLUMN purchase_id TEXT;
-- a retention's cancellation (procurement.md §5)
ALTER TABLE documents ADD COLUMN cancellation_id TEXT;
CREATE INDEX documents_supplier ON documents (workspace_id, test_mode, supplier_id, kind);
CREATE INDEX documents_purchase ON documents (workspace_id, test_mode, purchase_id, kind);
CREATE UNIQUE INDEX documents_received_number ON documents (workspace_id, test_mode, supplier_id, document_type, number) WHERE imported;

-- Cancellations of retentions: effective when created, no lines.
CREATE TABLE cancellations (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    test_mode BOOLEAN NOT NULL,
    retention_id TEXT NOT NULL UNIQUE REFERENCES documents(id),
    document_type TEXT,
    number BIGINT,
    date TEXT NOT NULL,
    note TEXT,
    internal_note TEXT,
    status TEXT NOT NULL,
    biller_status TEXT NOT NULL,
    tax_agency JSON NOT NULL,
    created BIGINT NOT NULL,
    updated BIGINT NOT NULL
);
CREATE INDEX cancellations_scope_created ON cancellations (workspace_id, test_mode, created);

-- +goose Down
DROP TABLE cancellations;
ALTER TABLE documents DROP COLUMN cancellation_id;
DROP INDEX documents_received_number;
DROP INDEX documents_purchase;
DROP INDEX documents_supplier;
ALTER TABLE documents DROP COLUMN purchase_id;
ALTER TABLE documents DROP COLUMN supplier_id;
