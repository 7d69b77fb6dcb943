-- The first fee run of a district ANALYZEs the tables it fills (see
-- runWriter.analyzeIfNew), but only a table's owner may ANALYZE it, and
-- billing connects as kehou_billing, which owns nothing. This function runs
-- that one ANALYZE with its owner's rights and can do nothing else.
CREATE FUNCTION analyze_run_tables() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    ANALYZE billing.statements, billing.statement_lines, billing.postings, billing.entries;
END;
$$;
