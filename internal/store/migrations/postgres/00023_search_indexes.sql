-- +goose Up
-- Searches served by indexes at a million invoices (issue 15): pg_trgm GIN
-- indexes serve "column ILIKE '%term%'" (list.SearchIndex). The extension
-- is created once per database, in schema public, so dropping one schema
-- never drops it; an advisory lock keeps concurrent migrators of other
-- schemas from creating it twice. Its operator classes are named through
-- the schema it lives in, wherever that is.
-- +goose StatementBegin
DO $$
DECLARE trgm text;
BEGIN
    PERFORM pg_advisory_xact_lock(7242010023);
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE EXTENSION pg_trgm SCHEMA public;
    END IF;
    SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX documents_search ON documents USING gin ((CAST(number AS TEXT)) %1$I.gin_trgm_ops, line_names %1$I.gin_trgm_ops, carrier_name %1$I.gin_trgm_ops, licence_plate %1$I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX customers_search ON customers USING gin (name %1$I.gin_trgm_ops, email %1$I.gin_trgm_ops, tax_id %1$I.gin_trgm_ops, reference %1$I.gin_trgm_ops)', trgm);
END $$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX customers_search;
DROP INDEX documents_search;
