-- +goose Up
-- Suppliers (procurement.md §1): the buying side's counterpart of customers.
CREATE TABLE suppliers (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    name TEXT NOT NULL,
    country TEXT NOT NULL,
    tax_id TEXT,
    state TEXT,
    currency TEXT NOT NULL,
    address TEXT,
    email TEXT,
    phone TEXT,
    website TEXT,
    tax_settings TEXT NOT NULL,
    metadata TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
) STRICT;
CREATE INDEX suppliers_scope_created ON suppliers (workspace_id, test_mode, created);

-- +goose Down
DROP TABLE suppliers;
