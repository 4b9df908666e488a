-- +goose Up
-- Invitations to a workspace sent from the dashboard (docs/dashboard.md#4-users-and-invitations).
-- The link's token is kept only as its SHA-256 (set when the email is
-- sent); form_key makes a resubmitted invite form send nothing twice.
CREATE TABLE dashboard_invitations (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    email TEXT NOT NULL,
    invited_by TEXT NOT NULL REFERENCES users(id),
    form_key TEXT NOT NULL,
    lang TEXT NOT NULL,
    base_url TEXT NOT NULL,
    token_hash TEXT UNIQUE,
    created INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    accepted INTEGER,
    user_id TEXT REFERENCES users(id),
    UNIQUE (workspace_id, form_key)
) STRICT;

-- +goose Down
DROP TABLE dashboard_invitations;
