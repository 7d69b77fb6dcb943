-- A remuneration run of 10,000 staff-months did not finish in 30 minutes:
-- the same trap as statement_lines and entries (0003, 0004). On a fresh
-- pay_statements the planner cannot tell its primary key from the unique
-- (district_id, school_id, year, month, staff_id, revision) key, and the
-- row-level pay_lines foreign-key check scanned the whole school's
-- statements for every line (0.2 ms a line at 1,000 people, 0.45 ms at
-- 2,000: quadratic). Like entries → postings, one statement-level check per
-- INSERT or COPY replaces the per-line lookups; the other half of the key,
-- that a statement never changes or disappears, is the append-only guard of
-- 0009 (no UPDATE or DELETE; TRUNCATE is revoked from billing's role).
ALTER TABLE pay_lines DROP CONSTRAINT pay_lines_district_id_school_id_statement_id_fkey;

CREATE FUNCTION pay_lines_have_statements() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    orphan record;
BEGIN
    -- One probe per statement named (a pay run's COPY names one a person).
    SELECT n.district_id, n.school_id, n.statement_id INTO orphan
    FROM (SELECT DISTINCT district_id, school_id, statement_id FROM new_lines) n
    WHERE NOT EXISTS (SELECT 1 FROM billing.pay_statements s
        WHERE (s.district_id, s.school_id, s.statement_id) = (n.district_id, n.school_id, n.statement_id))
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'billing.pay_lines: pay statement (%, %, %) does not exist', orphan.district_id, orphan.school_id, orphan.statement_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER pay_lines_have_statements AFTER INSERT ON pay_lines
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION pay_lines_have_statements();

-- That check, and the reads of a run's statements and lines, still need
-- statistics that know the tables' size: a first large pay run ANALYZEs
-- them after writing its statements (payWriter.Write, through
-- analyzeIfSmall), with the owner's rights as analyze_run_tables (0010).
CREATE FUNCTION analyze_pay_run_tables() RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    ANALYZE billing.pay_statements, billing.pay_lines;
END;
$$;
