-- +goose Up
-- Recurring billing (billing.md §8–§10): subscriptions, their lines and
-- add-on entries, one row per billing run, usage records and test clocks.
CREATE TABLE test_clocks (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    name TEXT,
    frozen_time INTEGER NOT NULL,
    status TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
) STRICT;
CREATE INDEX test_clocks_scope_created ON test_clocks (workspace_id, test_mode, created);

-- customers follow a test clock when created on one (never changed later)
ALTER TABLE customers ADD COLUMN test_clock_id TEXT REFERENCES test_clocks(id);
CREATE INDEX customers_test_clock ON customers (test_clock_id) WHERE test_clock_id IS NOT NULL;

CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers(id),
    document_type TEXT NOT NULL,
    frequency TEXT NOT NULL,
    currency TEXT NOT NULL,
    date_start TEXT NOT NULL,
    -- the schedule anchor B(0); next_billing = B(next_index)
    anchor TEXT NOT NULL,
    next_index INTEGER NOT NULL,
    next_billing TEXT,
    previous_billing TEXT,
    billing_cycles INTEGER,
    next_billing_cycle INTEGER NOT NULL,
    -- cycles opened so far (runs that billed a cycle in advance)
    cycles_opened INTEGER NOT NULL,
    expiration_days INTEGER NOT NULL,
    collection_scheme TEXT NOT NULL,
    default_source TEXT,
    custom_change TEXT,
    coupon_id TEXT REFERENCES coupons(id),
    coupon_redemptions INTEGER NOT NULL,
    require_reference INTEGER NOT NULL,
    note TEXT,
    orgunit_id TEXT,
    status TEXT NOT NULL,
    status_description TEXT,
    needs_attention INTEGER,
    needs_attention_reason TEXT,
    -- the invoice of a post-invoice attention reason (biller/gateway issue)
    attention_invoice TEXT,
    cancel_reason TEXT,
    cancelled INTEGER,
    paused INTEGER,
    paused_reason TEXT,
    pause_until TEXT,
    refs TEXT NOT NULL,
    latest_invoice TEXT,
    metadata TEXT NOT NULL,
    test_clock_id TEXT REFERENCES test_clocks(id),
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
) STRICT;
CREATE INDEX subscriptions_scope_created ON subscriptions (workspace_id, test_mode, created);
CREATE INDEX subscriptions_customer ON subscriptions (customer_id);
-- the scheduler's queue: active subscriptions by due date (which
-- workspaces have work, then each scope's batches), paused ones by their
-- automatic resume date
CREATE INDEX subscriptions_due ON subscriptions (next_billing) WHERE status = 'active';
CREATE INDEX subscriptions_scope_due ON subscriptions (workspace_id, test_mode, next_billing) WHERE status = 'active';
CREATE INDEX subscriptions_pause_until ON subscriptions (pause_until) WHERE status = 'paused';
CREATE INDEX subscriptions_scope_pause_until ON subscriptions (workspace_id, test_mode, pause_until) WHERE status = 'paused';

-- lines (plans) and add-on entries of a subscription
CREATE TABLE subscription_items (
    id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    workspace_id TEXT NOT NULL,
    test_mode INTEGER NOT NULL,
    kind TEXT NOT NULL, -- line or addon
    position INTEGER NOT NULL,
    plan_id TEXT REFERENCES plans(id),
    addon_id TEXT REFERENCES addons(id),
    metered INTEGER NOT NULL,
    quantity TEXT,
    coupon_id TEXT REFERENCES coupons(id),
    redemptions INTEGER NOT NULL,
    -- cycle-opening runs since the entry was attached (add-on rates)
    opened INTEGER NOT NULL,
    rates TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
) STRICT;
CREATE INDEX subscription_items_subscription ON subscription_items (subscription_id, kind, position);
CREATE INDEX subscription_items_plan ON subscription_items (plan_id);

-- One row per billing run: the primary key is the run's unique key
-- (subscription, billing date), so no date is ever billed twice whatever
-- retries, nodes or crashes do.
CREATE TABLE subscription_runs (
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    billing_date TEXT NOT NULL,
    run INTEGER NOT NULL,
    invoice_id TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (subscription_id, billing_date)
) STRICT;

CREATE TABLE usages (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    subscription_id TEXT NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    line_id TEXT NOT NULL,
    date_time INTEGER NOT NULL,
    quantity TEXT NOT NULL,
    creation_scheme TEXT NOT NULL,
    created INTEGER NOT NULL
) STRICT;
CREATE INDEX usages_scope_created ON usages (workspace_id, test_mode, created);
CREATE INDEX usages_line_time ON usages (line_id, date_time, created);

-- +goose Down
DROP TABLE usages;
DROP TABLE subscription_runs;
DROP TABLE subscription_items;
DROP TABLE subscriptions;
DROP INDEX customers_test_clock;
ALTER TABLE customers DROP COLUMN test_clock_id;
DROP TABLE test_clocks;
