-- Remuneration runs (劳务报酬): one per school, month and request id, with
-- the engine's exact inputs (gzip JSON lines, sha256 = inputs_hash), the
-- statements per person and their lines, and the disbursements that pay a
-- month. Statements and lines are immutable: a later run of the month issues
-- adjustment statements whose lines are differences referencing the line
-- they correct.
CREATE TABLE pay_runs (
    district_id text NOT NULL,
    school_id text NOT NULL,
    run_id text NOT NULL,
    request_id text NOT NULL,
    request_hash text NOT NULL,
    year integer NOT NULL,
    month integer NOT NULL CHECK (month BETWEEN 1 AND 12),
    mode text NOT NULL CHECK (mode IN ('full', 'adjustments')),
    inputs_hash text NOT NULL DEFAULT '',
    statement_count integer NOT NULL DEFAULT 0,
    adjustment_count integer NOT NULL DEFAULT 0,
    unchanged_count integer NOT NULL DEFAULT 0,
    earned numeric(14, 2) NOT NULL DEFAULT 0,
    paid numeric(14, 2) NOT NULL DEFAULT 0,
    held_back numeric(14, 2) NOT NULL DEFAULT 0,
    by_treatment jsonb NOT NULL DEFAULT '[]',
    left_pending jsonb NOT NULL DEFAULT '[]',
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, run_id),
    UNIQUE (district_id, request_id)
);
CREATE INDEX pay_runs_month ON pay_runs (district_id, school_id, year, month);

CREATE TABLE pay_run_inputs (
    district_id text NOT NULL,
    school_id text NOT NULL,
    run_id text NOT NULL,
    encoding text NOT NULL DEFAULT 'json-lines+gzip' CHECK (encoding IN ('json-lines+gzip')),
    inputs_sha256 text NOT NULL,
    inputs bytea NOT NULL,
    PRIMARY KEY (district_id, school_id, run_id),
    FOREIGN KEY (district_id, school_id, run_id) REFERENCES pay_runs (district_id, school_id, run_id)
);

CREATE TABLE pay_statements (
    district_id text NOT NULL,
    school_id text NOT NULL,
    statement_id text NOT NULL,
    run_id text NOT NULL,
    staff_id text NOT NULL,
    staff_kind text NOT NULL,
    institution_id text NOT NULL DEFAULT '',
    year integer NOT NULL,
    month integer NOT NULL,
    revision integer NOT NULL CHECK (revision > 0),
    kind text NOT NULL CHECK (kind IN ('pay', 'adjustment')),
    corrects_statement_id text NOT NULL DEFAULT '',
    earned numeric(14, 2) NOT NULL,
    paid numeric(14, 2) NOT NULL,
    held_back numeric(14, 2) NOT NULL,
    cap_rule_id text NOT NULL DEFAULT '',
    cap_limit numeric(14, 2),
    by_treatment jsonb NOT NULL,
    content_hash text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, statement_id),
    UNIQUE (district_id, school_id, year, month, staff_id, revision),
    FOREIGN KEY (district_id, school_id, run_id) REFERENCES pay_runs (district_id, school_id, run_id)
);

-- One line of a pay statement; body is the whole pay.IssuedLine as jsonb.
CREATE TABLE pay_lines (
    district_id text NOT NULL,
    school_id text NOT NULL,
    statement_id text NOT NULL,
    line_no integer NOT NULL,
    kind text NOT NULL,
    record_id text NOT NULL DEFAULT '',
    assignment_id text NOT NULL DEFAULT '',
    treatment text NOT NULL,
    amount numeric(14, 2) NOT NULL,
    body jsonb NOT NULL,
    PRIMARY KEY (district_id, school_id, statement_id, line_no),
    FOREIGN KEY (district_id, school_id, statement_id) REFERENCES pay_statements (district_id, school_id, statement_id)
);

-- A payment of a school's month: what each person was paid by it.
CREATE TABLE pay_disbursements (
    district_id text NOT NULL,
    school_id text NOT NULL,
    disbursement_id text NOT NULL,
    request_id text NOT NULL,
    year integer NOT NULL,
    month integer NOT NULL,
    channel text NOT NULL,
    total numeric(14, 2) NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, disbursement_id),
    UNIQUE (district_id, request_id)
);

CREATE TABLE pay_disbursement_lines (
    district_id text NOT NULL,
    school_id text NOT NULL,
    disbursement_id text NOT NULL,
    staff_id text NOT NULL,
    amount numeric(14, 2) NOT NULL,
    PRIMARY KEY (district_id, school_id, disbursement_id, staff_id),
    FOREIGN KEY (district_id, school_id, disbursement_id) REFERENCES pay_disbursements (district_id, school_id, disbursement_id)
);

CREATE TRIGGER pay_statements_append_only BEFORE UPDATE OR DELETE ON pay_statements
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER pay_lines_append_only BEFORE UPDATE OR DELETE ON pay_lines
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER pay_disbursements_append_only BEFORE UPDATE OR DELETE ON pay_disbursements
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER pay_disbursement_lines_append_only BEFORE UPDATE OR DELETE ON pay_disbursement_lines
    FOR EACH ROW EXECUTE FUNCTION reject_change();
