-- Bulk import (导入) of rosters from the schools' own spreadsheets. A
-- student's 学籍号 (national student number) is the natural key an import
-- matches rows by: unique in the school when recorded ('' for students
-- created before it was recorded). The birth date comes with the registry
-- export.
ALTER TABLE students ADD COLUMN student_number text NOT NULL DEFAULT '';
ALTER TABLE students ADD COLUMN birth_date date;
CREATE UNIQUE INDEX students_by_number ON students (district_id, school_id, student_number)
    WHERE student_number <> '';

-- One row per uploaded file: its progress while it runs and its report
-- (rows new, changed, unchanged, rejected, with a line per bad row) at the
-- end. The rows themselves are written, or not, in one transaction.
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
    PRIMARY KEY (district_id, school_id, import_id),
    FOREIGN KEY (district_id, school_id) REFERENCES schools (district_id, school_id)
);
