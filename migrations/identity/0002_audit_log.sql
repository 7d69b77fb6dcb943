-- The audit trail (操作日志) of this service: who changed what, when, from
-- where, under which request, with the row before and after. Rows are
-- written by the trigger audit_row() on each audited table, in the same
-- transaction as the change, so a change is never without its record nor a
-- record without its change. The caller comes from the connection's
-- kehou.audit setting, which the service's pool sets from the gRPC call
-- being served (services/platform/audit); a change made outside a call
-- (a migration, an operator at psql) is recorded with an empty caller.
-- Bulk reads of personal data (rosters, account lists) are recorded by the
-- service with operation 'read'.
--
-- Append-only: the service's role gets INSERT and SELECT only (pgdb.Setup
-- revokes UPDATE, DELETE and TRUNCATE on tables guarded by reject_change),
-- and the triggers below refuse them anyway, even for the owner.
CREATE TABLE audit_log (
    district_id text NOT NULL,
    school_id   text NOT NULL DEFAULT '',
    event_id    bigint GENERATED ALWAYS AS IDENTITY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    account_id  text NOT NULL DEFAULT '',
    role        text NOT NULL DEFAULT '',
    address     text NOT NULL DEFAULT '',
    request_id  text NOT NULL DEFAULT '',
    action      text NOT NULL DEFAULT '',
    operation   text NOT NULL CHECK (operation IN ('insert', 'update', 'delete', 'read')),
    object_kind text NOT NULL,
    object_id   text NOT NULL DEFAULT '',
    before      jsonb,
    after       jsonb,
    PRIMARY KEY (district_id, school_id, event_id)
);
CREATE INDEX audit_log_district_event ON audit_log (district_id, event_id);
CREATE INDEX audit_log_district_actor ON audit_log (district_id, account_id, at);

-- audit_row records one row's change. Arguments: the object kind, the
-- column holding the object's id, optionally a comma-separated list of
-- columns left out of before and after (secrets, counters; an UPDATE that
-- changes only those is not recorded), and optionally 'versioned' for a
-- table whose changes are new versions (fee schedules, rate tables): the
-- before of a new version is the version it supersedes.
CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    c      jsonb := coalesce(nullif(current_setting('kehou.audit', true), ''), '{}')::jsonb;
    hidden text[] := CASE WHEN TG_NARGS > 2 THEN string_to_array(TG_ARGV[2], ',') ELSE '{}'::text[] END;
    b      jsonb;
    a      jsonb;
    r      jsonb;
BEGIN
    IF TG_OP <> 'INSERT' THEN b := to_jsonb(OLD) - hidden; END IF;
    IF TG_OP <> 'DELETE' THEN a := to_jsonb(NEW) - hidden; END IF;
    IF TG_OP = 'UPDATE' AND a = b THEN RETURN NULL; END IF;
    IF TG_OP = 'INSERT' AND TG_NARGS > 3 AND TG_ARGV[3] = 'versioned' THEN
        EXECUTE format('SELECT to_jsonb(t) FROM %I.%I t WHERE t.district_id = $1 AND t.school_id = $2 AND t.%I = $3 AND t.version = $4',
                       TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[1])
            INTO b USING a->>'district_id', a->>'school_id', a->>TG_ARGV[1], (a->>'version')::int - 1;
        b := b - hidden;
    END IF;
    r := coalesce(a, b);
    INSERT INTO audit_log (district_id, school_id, account_id, role, address, request_id, action,
                           operation, object_kind, object_id, before, after)
    VALUES (coalesce(r->>'district_id', ''), coalesce(r->>'school_id', r->>'scope_school_id', ''),
            coalesce(c->>'account_id', ''), coalesce(c->>'role', ''), coalesce(c->>'address', ''),
            coalesce(c->>'request_id', ''), coalesce(c->>'action', ''),
            lower(TG_OP), TG_ARGV[0], coalesce(r->>TG_ARGV[1], ''), b, a);
    RETURN NULL;
END;
$$;

-- reject_change refuses UPDATE, DELETE and TRUNCATE of an append-only table.
CREATE FUNCTION reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'identity.% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change();

-- The audited tables: every change of these is one audit_log row.
CREATE TRIGGER accounts_audit AFTER INSERT OR UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION audit_row('account', 'account_id', 'password_hash,failed_sign_ins,locked_until,update_time');
CREATE TRIGGER guardianships_audit AFTER INSERT OR UPDATE OR DELETE ON guardianships
    FOR EACH ROW EXECUTE FUNCTION audit_row('guardianship', 'account_id');
