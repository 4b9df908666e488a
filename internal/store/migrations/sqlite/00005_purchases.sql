-- +goose Up
-- Purchases and purchase credit notes are documents too (same engine): the
-- supplier they are bought from, and the purchase a credit note adjusts.
ALTER TABLE documents ADD COLUMN supplier_id TEXT;
ALTER TABLE documents ADD COLUMN purchase_id TEXT;
CREATE INDEX documents_supplier ON documents (workspace_id, test_mode, supplier_id, kind);
CREATE INDEX documents_purchase ON documents (workspace_id, test_mode, purchase_id, kind);

-- +goose Down
DROP INDEX documents_purchase;
DROP INDEX documents_supplier;
ALTER TABLE documents DROP COLUMN purchase_id;
ALTER TABLE documents DROP COLUMN supplier_id;
