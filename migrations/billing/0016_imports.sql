-- Bulk import (导入) of fee schedules (收费标准) and rate tables (课酬标准)
-- from spreadsheets: one row per uploaded file, its progress while it runs
-- and its report (rows new, changed, unchanged, rejected, a line per bad
-- row) at the end. The versions themselves are written, or not, in one
-- transaction into schedules and rate_tables, whose audit triggers record
-- each. A job belongs to a district, and to one school when the upload was
-- limited to it ('' otherwise).
CREATE TABLE import_jobs (
    district_id text NOT NULL,
    school_id text NOT NULL DEFAULT '',
    import_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('fee_schedules', 'rate_tables')),
    dry_run boolean NOT NULL,
    file_name text NOT NULL DEFAULT '',
    state text NOT NULL CHECK (state IN ('running', 'succeeded', 'rejected', 'failed')),
    percent integer NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
    report jsonb,
    created_by text NOT NULL DEFAULT '',
    create_time timestamptz NOT NULL DEFAULT now(),
    finish_time timestamptz,
    PRIMARY KEY (district_id, school_id, import_id)
);
