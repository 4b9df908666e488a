-- +goose Up
-- The billing catalogue (billing.md §4–§7): products and their plans,
-- add-ons and coupons. DELETE archives them (status + archived stamp).
CREATE TABLE products (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    name TEXT NOT NULL,
    unit_label TEXT,
    status TEXT NOT NULL,
    archived INTEGER,
    metadata TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
) STRICT;
CREATE INDEX products_scope_created ON products (workspace_id, test_mode, created);

CREATE TABLE plans (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    product_id TEXT NOT NULL REFERENCES products(id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    frequency TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount TEXT NOT NULL,
    sku TEXT,
    exempt INTEGER NOT NULL,
    usage_scheme TEXT NOT NULL,
    usage_aggregation TEXT,
    tiers_mode TEXT,
    -- [{quantity_from, quantity_to, amount, amount_scheme, unit_scheme}], decimals as text
    tiers TEXT NOT NULL,
    unit_label TEXT,
    status TEXT NOT NULL,
    archived INTEGER,
    metadata TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
) STRICT;
CREATE INDEX plans_scope_created ON plans (workspace_id, test_mode, created);
CREATE INDEX plans_product ON plans (product_id, created);

CREATE TABLE addons (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount TEXT NOT NULL,
    sku TEXT,
    exempt INTEGER NOT NULL,
    apply_scheme TEXT NOT NULL,
    duration_times INTEGER,
    unit_label TEXT,
    status TEXT NOT NULL,
    archived INTEGER,
    metadata TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
) STRICT;
CREATE INDEX addons_scope_created ON addons (workspace_id, test_mode, created);

CREATE TABLE coupons (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    name TEXT NOT NULL,
    -- a percentage ("20") or money ("5000.00") by discount_scheme
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    discount_scheme TEXT NOT NULL,
    duration_scheme TEXT NOT NULL,
    duration_times INTEGER,
    valid_until TEXT,
    apply_on TEXT NOT NULL,
    status TEXT NOT NULL,
    archived INTEGER,
    metadata TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
) STRICT;
CREATE INDEX coupons_scope_created ON coupons (workspace_id, test_mode, created);

-- +goose Down
DROP TABLE coupons;
DROP TABLE addons;
DROP TABLE plans;
DROP TABLE products;
