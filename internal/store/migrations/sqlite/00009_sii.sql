-- +goose Up
-- Chile SII biller (tax-agency.md §2–§4, §9): issuer settings and the
-- company certificate per workspace and mode, CAF files with their folio
-- counters, and the sandbox agency's record of accepted folios. Private
-- keys are stored sealed (AES-GCM under a key derived from the server
-- secret); certificate passwords are never stored.
CREATE TABLE sii_settings (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    data TEXT NOT NULL,
    cert_der BLOB,
    cert_key BLOB,
    cert_uploaded INTEGER,
    updated INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, test_mode)
) STRICT;

CREATE TABLE sii_cafs (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    document_type TEXT NOT NULL,
    rut TEXT NOT NULL,
    business_name TEXT NOT NULL,
    range_from INTEGER NOT NULL,
    range_to INTEGER NOT NULL,
    authorized TEXT NOT NULL,
    expires TEXT,
    idk INTEGER NOT NULL,
    next_folio INTEGER NOT NULL,
    status TEXT NOT NULL,
    sandbox INTEGER NOT NULL,
    caf_xml BLOB NOT NULL,
    caf_key BLOB NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX sii_cafs_scope_type ON sii_cafs (workspace_id, test_mode, document_type, range_from);

CREATE TABLE sii_sandbox_received (
    workspace_id TEXT NOT NULL,
    test_mode INTEGER NOT NULL,
    rut TEXT NOT NULL,
    document_type INTEGER NOT NULL,
    folio INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, test_mode, rut, document_type, folio)
) STRICT;

-- +goose Down
DROP TABLE sii_sandbox_received;
DROP TABLE sii_cafs;
DROP TABLE sii_settings;
