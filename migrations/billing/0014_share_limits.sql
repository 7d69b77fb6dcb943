-- The configured shares of income a reconciliation checks (对账比例): the
-- most remuneration may be (labour, 劳务费占比) and the most the management
-- allowance may be (管理费占比), as versioned settings of a district, with an
-- optional override for one of its schools (school_id '' is the district's
-- own). A version is never changed: a new one is written, effective from
-- its date; a reconciliation uses, for the last day of its period, the
-- school's version in force, else the district's, else the documented
-- defaults (0.60 and 0.10).
CREATE TABLE share_limits (
    district_id text NOT NULL,
    school_id text NOT NULL DEFAULT '',
    -- The audit trail's object id: one setting per scope, in versions.
    setting_id text NOT NULL DEFAULT 'share_limits' CHECK (setting_id = 'share_limits'),
    version integer NOT NULL CHECK (version > 0),
    labour_share numeric(5, 4) NOT NULL CHECK (labour_share BETWEEN 0 AND 1),
    management_share numeric(5, 4) NOT NULL CHECK (management_share BETWEEN 0 AND 1),
    effective_from date NOT NULL,
    -- The document that sets them (文号), when there is one.
    document_no text NOT NULL DEFAULT '',
    note text NOT NULL DEFAULT '',
    request_id text NOT NULL,
    fingerprint text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, version),
    UNIQUE (district_id, request_id)
);

CREATE INDEX share_limits_in_force ON share_limits (district_id, school_id, effective_from, version);

CREATE TRIGGER share_limits_append_only BEFORE UPDATE OR DELETE ON share_limits
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER share_limits_no_truncate BEFORE TRUNCATE ON share_limits
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
CREATE TRIGGER share_limits_audit AFTER INSERT OR UPDATE OR DELETE ON share_limits
    FOR EACH ROW EXECUTE FUNCTION audit_row('share_limits', 'setting_id', '', 'versioned');
