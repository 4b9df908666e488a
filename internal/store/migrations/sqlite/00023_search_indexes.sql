-- +goose Up
-- Searches served by indexes at a million invoices (issue 15): FTS5
-- trigram tables of the searched columns, rowid for rowid with their
-- tables (external content: the text is not stored twice), kept in sync
-- by triggers in the writing transaction (list.SearchIndex).
CREATE VIRTUAL TABLE documents_search USING fts5(number, line_names, carrier_name, licence_plate, content='documents', content_rowid='rowid', tokenize='trigram');
INSERT INTO documents_search(documents_search) VALUES ('rebuild');
-- +goose StatementBegin
CREATE TRIGGER documents_search_insert AFTER INSERT ON documents BEGIN
    INSERT INTO documents_search(rowid, number, line_names, carrier_name, licence_plate) VALUES (new.rowid, new.number, new.line_names, new.carrier_name, new.licence_plate);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER documents_search_delete AFTER DELETE ON documents BEGIN
    INSERT INTO documents_search(documents_search, rowid, number, line_names, carrier_name, licence_plate) VALUES ('delete', old.rowid, old.number, old.line_names, old.carrier_name, old.licence_plate);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER documents_search_update AFTER UPDATE OF number, line_names, carrier_name, licence_plate ON documents BEGIN
    INSERT INTO documents_search(documents_search, rowid, number, line_names, carrier_name, licence_plate) VALUES ('delete', old.rowid, old.number, old.line_names, old.carrier_name, old.licence_plate);
    INSERT INTO documents_search(rowid, number, line_names, carrier_name, licence_plate) VALUES (new.rowid, new.number, new.line_names, new.carrier_name, new.licence_plate);
END;
-- +goose StatementEnd

CREATE VIRTUAL TABLE customers_search USING fts5(name, email, tax_id, reference, content='customers', content_rowid='rowid', tokenize='trigram');
INSERT INTO customers_search(customers_search) VALUES ('rebuild');
-- +goose StatementBegin
CREATE TRIGGER customers_search_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customers_search(rowid, name, email, tax_id, reference) VALUES (new.rowid, new.name, new.email, new.tax_id, new.reference);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER customers_search_delete AFTER DELETE ON customers BEGIN
    INSERT INTO customers_search(customers_search, rowid, name, email, tax_id, reference) VALUES ('delete', old.rowid, old.name, old.email, old.tax_id, old.reference);
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER customers_search_update AFTER UPDATE OF name, email, tax_id, reference ON customers BEGIN
    INSERT INTO customers_search(customers_search, rowid, name, email, tax_id, reference) VALUES ('delete', old.rowid, old.name, old.email, old.tax_id, old.reference);
    INSERT INTO customers_search(rowid, name, email, tax_id, reference) VALUES (new.rowid, new.name, new.email, new.tax_id, new.reference);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER customers_search_update;
DROP TRIGGER customers_search_delete;
DROP TRIGGER customers_search_insert;
DROP TABLE customers_search;
DROP TRIGGER documents_search_update;
DROP TRIGGER documents_search_delete;
DROP TRIGGER documents_search_insert;
DROP TABLE documents_search;
