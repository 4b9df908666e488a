-- +goose Up
-- Every email Cobro sends is a reminder message (docs/documents.md#5-reminder-messages):
-- kind says what it is about, dedupe_key makes it once-only, link_url is
-- its button, response the SMTP server's last answer, rule_id the
-- reminder rule that caused it.
ALTER TABLE reminders ADD COLUMN kind TEXT;
ALTER TABLE reminders ADD COLUMN dedupe_key TEXT;
ALTER TABLE reminders ADD COLUMN link_url TEXT;
ALTER TABLE reminders ADD COLUMN response TEXT;
ALTER TABLE reminders ADD COLUMN rule_id TEXT;
ALTER TABLE reminders ADD COLUMN debit_note_id TEXT;
CREATE UNIQUE INDEX reminders_dedupe ON reminders (workspace_id, test_mode, dedupe_key) WHERE dedupe_key IS NOT NULL;

-- Reminder rules: an email days before/after each invoice's due date.
CREATE TABLE reminder_rules (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    test_mode INTEGER NOT NULL,
    days INTEGER NOT NULL,
    channel TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT,
    message TEXT,
    active INTEGER NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
) STRICT;
CREATE INDEX reminder_rules_scope_created ON reminder_rules (workspace_id, test_mode, created);

-- A workspace's own exchange rates (the catalogue's are shipped data).
CREATE TABLE workspace_rates (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    currency_from TEXT NOT NULL,
    currency_to TEXT NOT NULL,
    amount TEXT NOT NULL,
    date TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    UNIQUE (workspace_id, currency_from, currency_to, date)
) STRICT;

-- The logo shown in emails.
ALTER TABLE workspaces ADD COLUMN logo_url TEXT;

-- +goose Down
ALTER TABLE workspaces DROP COLUMN logo_url;
DROP TABLE workspace_rates;
DROP TABLE reminder_rules;
DROP INDEX reminders_dedupe;
ALTER TABLE reminders DROP COLUMN debit_note_id;
ALTER TABLE reminders DROP COLUMN rule_id;
ALTER TABLE reminders DROP COLUMN response;
ALTER TABLE reminders DROP COLUMN link_url;
ALTER TABLE reminders DROP COLUMN dedupe_key;
ALTER TABLE reminders DROP COLUMN kind;
