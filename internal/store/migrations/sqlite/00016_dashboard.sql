-- +goose Up
-- The merchant dashboard (docs/dashboard.md#1-sign-in-and-sessions): users sign in
-- with an email and a password (argon2id hash, never the password), a
-- session is a row found by the SHA-256 of its cookie, and failed sign-ins
-- are counted per email and per client address so any node can refuse the
-- next one.
ALTER TABLE users ADD COLUMN password_hash TEXT;
CREATE INDEX users_email ON users (email);

CREATE TABLE dashboard_sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    csrf TEXT NOT NULL,
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL
) STRICT;
CREATE INDEX dashboard_sessions_user ON dashboard_sessions (user_id);
CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires);

CREATE TABLE dashboard_login_failures (
    key TEXT NOT NULL,
    created INTEGER NOT NULL
) STRICT;
CREATE INDEX dashboard_login_failures_key ON dashboard_login_failures (key, created);

-- +goose Down
DROP TABLE dashboard_login_failures;
DROP TABLE dashboard_sessions;
DROP INDEX users_email;
ALTER TABLE users DROP COLUMN password_hash;
