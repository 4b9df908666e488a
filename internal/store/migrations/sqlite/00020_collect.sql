-- +goose Up
-- The workspace's logo (billing.md §12), kept in the database so emails
-- embed it and public pages serve it without a host of its own: the bytes
-- of a PNG or JPEG checked on upload, their type, size and digest (the
-- ETag of the public URL).
CREATE TABLE workspace_logos (
    workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id),
    content_type TEXT NOT NULL,
    data BLOB NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    digest TEXT NOT NULL,
    updated INTEGER NOT NULL
) STRICT;

-- The dunning list (billing.md §8.13) pages by the scope and creation
-- time. started is when the failed charge happened in the subscription's
-- time (its test clock's, when attached), from which retries are counted;
-- rows from before this migration count from created.
CREATE INDEX dunnings_scope_created ON dunnings (workspace_id, test_mode, created);
ALTER TABLE dunnings ADD COLUMN started INTEGER;

-- +goose Down
ALTER TABLE dunnings DROP COLUMN started;
DROP INDEX dunnings_scope_created;
DROP TABLE workspace_logos;
