-- Fee schedules (收费标准), cost sheets (成本核算), fee runs and the statements
-- they issue. Issued statements and their lines are immutable: a later run
-- for the same period issues adjustment statements that reference what they
-- correct. school_id is '' on rows scoped to a whole district.

-- A schedule version: the whole fee.Schedule as validated jsonb, with the
-- columns the overlap check and lookups need. Versions of one schedule_id
-- supersede each other; only the highest version counts.
CREATE TABLE schedules (
    district_id text NOT NULL,
    school_id text NOT NULL DEFAULT '',
    schedule_id text NOT NULL,
    version integer NOT NULL CHECK (version > 0),
    document_no text NOT NULL,
    effective_from date NOT NULL,
    effective_to date,
    body jsonb NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, schedule_id, version),
    CHECK (effective_to IS NULL OR effective_to >= effective_from)
);

-- A school's cost sheet for a term: cost items → cost per student-period.
CREATE TABLE cost_sheets (
    district_id text NOT NULL,
    school_id text NOT NULL,
    term_id text NOT NULL,
    body jsonb NOT NULL,
    cost_per_student_period numeric(14, 4) NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, term_id)
);

-- A fee run: one school (or a whole district, school_id '') and one period.
-- request_id makes it idempotent; inputs snapshot + sha256 make it
-- reproducible. A run is written in one transaction with its statements.
CREATE TABLE fee_runs (
    district_id text NOT NULL,
    school_id text NOT NULL DEFAULT '',
    run_id text NOT NULL,
    request_id text NOT NULL,
    term_id text NOT NULL,
    period_kind text NOT NULL CHECK (period_kind IN ('term', 'month')),
    period_start date NOT NULL,
    period_end date NOT NULL,
    status text NOT NULL CHECK (status IN ('issued', 'failed')),
    inputs jsonb NOT NULL,
    inputs_hash text NOT NULL,
    request_hash text NOT NULL DEFAULT '',
    statement_count integer NOT NULL DEFAULT 0,
    adjustment_count integer NOT NULL DEFAULT 0,
    unchanged_count integer NOT NULL DEFAULT 0,
    -- what the run's statements charge families in all (the sum of their
    -- parent_amount), written with the counts so reading a run never sums
    -- a city's statements.
    parent_total numeric(14, 2) NOT NULL DEFAULT 0,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, run_id),
    UNIQUE (district_id, request_id)
);

-- One student's statement for a period (agreed with payments: see
-- docs/architecture.md). parent_amount is what the family owes on this
-- statement (negative for an adjustment that reduces it); total_amount is
-- the statement's net charge (parent + subsidy + waiver shares), so
-- total_amount − parent_amount is what government payers are billed.
CREATE TABLE statements (
    district_id text NOT NULL,
    school_id text NOT NULL,
    statement_id text NOT NULL,
    run_id text NOT NULL,
    student_id text NOT NULL,
    term_id text NOT NULL,
    period_start date NOT NULL,
    period_end date NOT NULL,
    kind text NOT NULL CHECK (kind IN ('charge', 'adjustment')),
    corrects_statement_id text,
    parent_amount numeric(14, 2) NOT NULL,
    total_amount numeric(14, 2) NOT NULL,
    issued_at timestamptz NOT NULL DEFAULT now(),
    schedule_id text NOT NULL DEFAULT '',
    schedule_version integer NOT NULL DEFAULT 0,
    document_no text NOT NULL DEFAULT '',
    period_kind text NOT NULL DEFAULT 'term',
    -- totals of this statement: gross, net, per payer subsidies and waivers,
    -- collected on behalf per provider (jsonb of fee.Totals, signed for adjustments).
    totals jsonb NOT NULL DEFAULT '{}',
    -- fingerprint of the computed statement, so a repeated run can tell
    -- unchanged facts from changed ones without reading every line.
    content_hash text NOT NULL DEFAULT '',
    -- 1 for the charge, 2, 3 … for each adjustment of the same student,
    -- term and period; the highest revision is the current state.
    revision integer NOT NULL DEFAULT 1,
    PRIMARY KEY (district_id, school_id, statement_id),
    -- Also the index for a student's statements. It deliberately does not
    -- lead with (district_id, school_id): on a table without statistics yet
    -- (the first run of a new district) the planner would pick such an index
    -- for the statement_lines foreign-key checks and scan the whole school
    -- for each line, quadratic in the run's size.
    UNIQUE (district_id, student_id, school_id, term_id, period_start, period_end, revision)
);

-- The lines of a statement. Adjustments, subsidy and waiver shares are jsonb
-- arrays of {kind|payer_id, amount, rule_id, document_no}.
CREATE TABLE statement_lines (
    district_id text NOT NULL,
    school_id text NOT NULL,
    statement_id text NOT NULL,
    line_no integer NOT NULL,
    line_type text NOT NULL,
    rule_id text NOT NULL,
    document_no text NOT NULL,
    name text NOT NULL,
    service_kind text NOT NULL,
    unit text NOT NULL,
    quantity numeric(18, 4) NOT NULL,
    unit_rate numeric(14, 4) NOT NULL,
    gross numeric(14, 2) NOT NULL,
    adjustments jsonb NOT NULL DEFAULT '[]',
    net numeric(14, 2) NOT NULL,
    subsidies jsonb NOT NULL DEFAULT '[]',
    waivers jsonb NOT NULL DEFAULT '[]',
    parent numeric(14, 2) NOT NULL,
    provider_id text NOT NULL DEFAULT '',
    detail jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (district_id, school_id, statement_id, line_no),
    FOREIGN KEY (district_id, school_id, statement_id) REFERENCES statements (district_id, school_id, statement_id)
);

-- The same trap for the ledger: postings_reference (0002) leads with
-- (district_id, school_id), so on a fresh table the entries → postings
-- foreign-key check scanned a school's postings per entry. Lead with the
-- reference instead; lookups by reference are unchanged.
DROP INDEX postings_reference;
CREATE INDEX postings_reference ON postings (district_id, reference, school_id);
