-- +goose Up
-- Lists at scale (issue 15): a subscription list filtered by status walks
-- the workspace's subscriptions of that status in creation order (the
-- default ordering), and an invoice list filtered by status (finalized,
-- paid …) no longer walks every document of the workspace.
CREATE INDEX subscriptions_scope_status ON subscriptions (workspace_id, test_mode, status, created);
CREATE INDEX documents_scope_kind_status ON documents (workspace_id, test_mode, kind, status, created);

-- +goose Down
DROP INDEX documents_scope_kind_status;
DROP INDEX subscriptions_scope_status;
