-- Import jobs (0005) that must not run twice or run forever.
--
-- A job left running by a service that stopped is failed: the service
-- marks its own at shutdown and any left by a crash when it next starts
-- (platform/importjob); this catches those of a release without either.
UPDATE import_jobs SET state = 'failed', percent = 100, finish_time = now(),
    report = jsonb_build_object('failure', 'interrupted by shutdown; nothing was written',
                                'failure_zh', '服务停止，导入中断；未写入任何数据')
WHERE state = 'running';

-- At most one import that writes (not a dry run) runs per school and kind:
-- a second upload gets "an import is already running" (409) instead of
-- racing the first.
CREATE UNIQUE INDEX import_jobs_one_running ON import_jobs (district_id, school_id, kind)
    WHERE state = 'running' AND NOT dry_run;

-- An applied import is one audit event of its own (operation 'import':
-- who, the file's name, the kind and the counts), beside the rows'
-- insert and update events.
ALTER TABLE audit_log DROP CONSTRAINT audit_log_operation_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_operation_check
    CHECK (operation IN ('insert', 'update', 'delete', 'read', 'import'));
