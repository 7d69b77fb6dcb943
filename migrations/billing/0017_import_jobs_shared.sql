-- Billing's import jobs are kept by the machinery every service shares
-- (services/platform/importjob), as timetable's and staffing's are: at most
-- one import that writes runs per scope (district, school) and kind at a
-- time (409 otherwise), and an applied import is one audit event of its own
-- (operation 'import') beside the row events of what it wrote.
CREATE UNIQUE INDEX import_jobs_one_running ON import_jobs (district_id, school_id, kind)
    WHERE state = 'running' AND NOT dry_run;

ALTER TABLE audit_log DROP CONSTRAINT audit_log_operation_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_operation_check
    CHECK (operation IN ('insert', 'update', 'delete', 'read', 'import'));
