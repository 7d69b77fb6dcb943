-- Bulk import (导入) of staff from the schools' own spreadsheets.
--
-- A person's staff number (工号) is the natural key an import matches rows
-- by: unique in the school when recorded ('' for people created before it
-- was recorded).
ALTER TABLE staff ADD COLUMN staff_number text NOT NULL DEFAULT '';
CREATE UNIQUE INDEX staff_by_number ON staff (district_id, school_id, staff_number)
    WHERE staff_number <> '';

-- One row per uploaded file, as timetable's (platform/importjob): its
-- progress while it runs and its report at the end. The rows themselves
-- are written, or not, in one transaction. school_id is '' for a
-- district's kinds.
CREATE TABLE import_jobs (
    district_id text NOT NULL,
    school_id text NOT NULL,
    import_id text NOT NULL,
    kind text NOT NULL,
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

-- At most one import that writes runs per school and kind (409 otherwise).
CREATE UNIQUE INDEX import_jobs_one_running ON import_jobs (district_id, school_id, kind)
    WHERE state = 'running' AND NOT dry_run;

-- An applied import is one audit event of its own (operation 'import').
ALTER TABLE audit_log DROP CONSTRAINT audit_log_operation_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_operation_check
    CHECK (operation IN ('insert', 'update', 'delete', 'read', 'import'));
