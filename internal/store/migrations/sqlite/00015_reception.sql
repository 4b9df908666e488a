-- +goose Up
-- Reception of suppliers' DTEs (procurement.md §6): each envelope received
-- (by upload or from the exchange mailbox) with its outcome, the received
-- documents' state in the exchange (commercial result, receipt, the SII's
-- register), the signed answers sent to the issuer, and the exchange
-- mailbox per workspace and mode (password sealed).
CREATE TABLE reception_intakes (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    source TEXT NOT NULL,
    filename TEXT,
    sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    issuer_rut TEXT,
    messages TEXT NOT NULL,
    documents TEXT NOT NULL,
    envelope BLOB NOT NULL,
    created INTEGER NOT NULL
) STRICT;
CREATE INDEX reception_intakes_scope_created ON reception_intakes (workspace_id, test_mode, created);

CREATE TABLE received_dtes (
    document_id TEXT PRIMARY KEY REFERENCES documents(id),
    workspace_id TEXT NOT NULL,
    test_mode INTEGER NOT NULL,
    intake_id TEXT NOT NULL,
    issuer_rut TEXT NOT NULL,
    document_type INTEGER NOT NULL,
    folio INTEGER NOT NULL,
    date TEXT NOT NULL,
    total TEXT NOT NULL,
    issuer_email TEXT,
    dte_id TEXT NOT NULL,
    received INTEGER NOT NULL,
    acceptance_deadline TEXT,
    result TEXT,
    result_reason TEXT,
    receipt INTEGER,
    rcv_state TEXT,
    rcv_action TEXT,
    rcv_status TEXT,
    rcv_message TEXT,
    rcv_updated INTEGER
) STRICT;
CREATE INDEX received_dtes_deadline ON received_dtes (acceptance_deadline);
CREATE UNIQUE INDEX received_dtes_folio ON received_dtes (workspace_id, test_mode, issuer_rut, document_type, folio);

CREATE TABLE reception_answers (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    test_mode INTEGER NOT NULL,
    intake_id TEXT NOT NULL,
    document_id TEXT,
    kind TEXT NOT NULL,
    xml BLOB NOT NULL,
    email_to TEXT,
    status TEXT NOT NULL,
    created INTEGER NOT NULL,
    sent INTEGER
) STRICT;
CREATE INDEX reception_answers_document ON reception_answers (workspace_id, test_mode, document_id);
CREATE INDEX reception_answers_intake ON reception_answers (workspace_id, test_mode, intake_id);

CREATE TABLE reception_mailboxes (
    workspace_id TEXT NOT NULL REFERENCES workspaces(id),
    test_mode INTEGER NOT NULL,
    host TEXT NOT NULL,
    port INTEGER NOT NULL,
    username TEXT NOT NULL,
    password BLOB NOT NULL,
    folder TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    last_poll INTEGER,
    last_error TEXT,
    updated INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, test_mode)
) STRICT;

CREATE TABLE reception_mail_seen (
    workspace_id TEXT NOT NULL,
    test_mode INTEGER NOT NULL,
    message_key TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, test_mode, message_key)
) STRICT;

-- +goose Down
DROP TABLE reception_mail_seen;
DROP TABLE reception_mailboxes;
DROP TABLE reception_answers;
DROP TABLE received_dtes;
DROP TABLE reception_intakes;
