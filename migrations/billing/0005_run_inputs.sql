-- The inputs snapshot of a fee run, one row per (run, school): exactly what
-- the pure fee engine read for every student of the school, so the run can be
-- replayed from stored data alone (VerifyFeeRun) without asking timetable.
--
-- inputs is gzip of a stream of JSON values, one a line (encoding/json of the
-- domain structs): first {"S": fee.Schedule, "P": fee.Period (with its
-- calendar), "C": fee.CostSheet or null}, then one fee.StudentFacts per student
-- in student-id order, then, as JSON strings, the ids of students billed
-- before but no longer enrolled (their statements are reversed).
-- inputs_sha256 is the sha256 of that uncompressed stream, the school's facts
-- hash; fee_runs.inputs_hash is the sha256 of the lines
-- "<school_id>:<inputs_sha256>\n" of the run's schools in school-id order.
-- run_school_id is the run's own school_id ('' for a district run), so the
-- row references its run.
CREATE TABLE run_inputs (
    district_id text NOT NULL,
    school_id text NOT NULL,
    run_id text NOT NULL,
    run_school_id text NOT NULL,
    term_id text NOT NULL,
    period_start date NOT NULL,
    period_end date NOT NULL,
    students integer NOT NULL CHECK (students >= 0),
    encoding text NOT NULL DEFAULT 'json-lines+gzip' CHECK (encoding IN ('json-lines+gzip')),
    inputs_sha256 text NOT NULL,
    inputs bytea NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, run_id),
    FOREIGN KEY (district_id, run_school_id, run_id) REFERENCES fee_runs (district_id, school_id, run_id)
);

-- A run's schools, for reading its snapshot back in school order.
CREATE INDEX run_inputs_run ON run_inputs (district_id, run_id, school_id);

-- Stored inputs are evidence: never changed or removed (reject_change, 0004).
CREATE TRIGGER run_inputs_append_only BEFORE UPDATE OR DELETE ON run_inputs
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER run_inputs_no_truncate BEFORE TRUNCATE ON run_inputs
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
