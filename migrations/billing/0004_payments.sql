-- Payments, refunds (退费), credit carried to a later term (结转) and its use,
-- write-offs (核销) and term-end settlements (一期一结). Each record is written
-- in one transaction with its balanced ledger posting and is never changed
-- afterwards; idempotency keys are unique per school and kind of record, and
-- fingerprint (sha256 of the request's content) tells a replay from a reuse.

CREATE TABLE payments (
    district_id text NOT NULL,
    school_id text NOT NULL,
    payment_id text NOT NULL,
    statement_id text NOT NULL,
    student_id text NOT NULL,
    term_id text NOT NULL,
    amount numeric(14, 2) NOT NULL CHECK (amount > 0),
    channel text NOT NULL CHECK (channel IN ('wechat', 'alipay', 'bank', 'cash', 'other')),
    external_reference text NOT NULL DEFAULT '',
    paid_at timestamptz NOT NULL,
    idempotency_key text NOT NULL,
    fingerprint text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, payment_id),
    UNIQUE (district_id, school_id, idempotency_key),
    FOREIGN KEY (district_id, school_id, statement_id) REFERENCES statements (district_id, school_id, statement_id)
);

CREATE INDEX payments_student_term ON payments (district_id, school_id, term_id, student_id);

CREATE TABLE settlements (
    district_id text NOT NULL,
    school_id text NOT NULL,
    settlement_id text NOT NULL,
    term_id text NOT NULL,
    overpayment_policy text NOT NULL CHECK (overpayment_policy IN ('refund', 'credit')),
    next_term_id text NOT NULL DEFAULT '',
    settled_on date NOT NULL,
    fingerprint text NOT NULL,
    total_due numeric(14, 2) NOT NULL,
    total_refunded numeric(14, 2) NOT NULL,
    total_credited numeric(14, 2) NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, settlement_id)
);

-- One family in a settlement: its position before, and what was done.
CREATE TABLE settlement_lines (
    district_id text NOT NULL,
    school_id text NOT NULL,
    settlement_id text NOT NULL,
    student_id text NOT NULL,
    charged numeric(14, 2) NOT NULL,
    payer_share numeric(14, 2) NOT NULL,
    paid numeric(14, 2) NOT NULL,
    refunded numeric(14, 2) NOT NULL,
    credited numeric(14, 2) NOT NULL,
    credit_applied numeric(14, 2) NOT NULL,
    written_off numeric(14, 2) NOT NULL,
    balance numeric(14, 2) NOT NULL,
    action text NOT NULL CHECK (action IN ('due', 'refund', 'credit', 'none')),
    action_amount numeric(14, 2) NOT NULL,
    balance_after numeric(14, 2) NOT NULL,
    PRIMARY KEY (district_id, school_id, settlement_id, student_id),
    FOREIGN KEY (district_id, school_id, settlement_id) REFERENCES settlements (district_id, school_id, settlement_id)
);

-- method 'original' pays back through the payment's channel; 'credit' keeps
-- the money as the family's credit (payment_id is NULL when a settlement
-- carries an overpayment that no single payment can take back).
CREATE TABLE refunds (
    district_id text NOT NULL,
    school_id text NOT NULL,
    refund_id text NOT NULL,
    payment_id text,
    student_id text NOT NULL,
    term_id text NOT NULL,
    method text NOT NULL CHECK (method IN ('original', 'credit')),
    amount numeric(14, 2) NOT NULL CHECK (amount > 0),
    credit_term_id text NOT NULL DEFAULT '',
    reason text NOT NULL DEFAULT '',
    refunded_on date NOT NULL,
    settlement_id text,
    idempotency_key text NOT NULL,
    fingerprint text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, refund_id),
    UNIQUE (district_id, school_id, idempotency_key),
    CHECK (method = 'credit' OR payment_id IS NOT NULL),
    FOREIGN KEY (district_id, school_id, payment_id) REFERENCES payments (district_id, school_id, payment_id),
    FOREIGN KEY (district_id, school_id, settlement_id) REFERENCES settlements (district_id, school_id, settlement_id)
);

CREATE INDEX refunds_payment ON refunds (district_id, school_id, payment_id);
CREATE INDEX refunds_student_term ON refunds (district_id, school_id, term_id, student_id);

-- Credit carried from an earlier term used against a term's balance.
CREATE TABLE credit_applications (
    district_id text NOT NULL,
    school_id text NOT NULL,
    credit_application_id text NOT NULL,
    student_id text NOT NULL,
    term_id text NOT NULL,
    amount numeric(14, 2) NOT NULL CHECK (amount > 0),
    applied_on date NOT NULL,
    idempotency_key text NOT NULL,
    fingerprint text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, credit_application_id),
    UNIQUE (district_id, school_id, idempotency_key)
);

CREATE INDEX credit_applications_student ON credit_applications (district_id, school_id, student_id, term_id);

CREATE TABLE write_offs (
    district_id text NOT NULL,
    school_id text NOT NULL,
    write_off_id text NOT NULL,
    student_id text NOT NULL,
    term_id text NOT NULL,
    amount numeric(14, 2) NOT NULL CHECK (amount > 0),
    reason text NOT NULL CHECK (reason <> ''),
    written_on date NOT NULL,
    idempotency_key text NOT NULL,
    fingerprint text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, write_off_id),
    UNIQUE (district_id, school_id, idempotency_key)
);

CREATE INDEX write_offs_student_term ON write_offs (district_id, school_id, term_id, student_id);

CREATE INDEX postings_effective ON postings (district_id, school_id, effective_date);

-- Append-only guard: the ledger and the money records reject UPDATE, DELETE
-- and TRUNCATE at the database, whatever the code above it does. A
-- correction is always a new record with its own posting.
CREATE FUNCTION reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'billing.% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON postings
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
CREATE TRIGGER entries_append_only BEFORE UPDATE OR DELETE ON entries
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER entries_no_truncate BEFORE TRUNCATE ON entries
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
CREATE TRIGGER payments_append_only BEFORE UPDATE OR DELETE ON payments
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER refunds_append_only BEFORE UPDATE OR DELETE ON refunds
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER credit_applications_append_only BEFORE UPDATE OR DELETE ON credit_applications
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER write_offs_append_only BEFORE UPDATE OR DELETE ON write_offs
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER settlements_append_only BEFORE UPDATE OR DELETE ON settlements
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER settlement_lines_append_only BEFORE UPDATE OR DELETE ON settlement_lines
    FOR EACH ROW EXECUTE FUNCTION reject_change();

-- Every entry belongs to a posting. A row-level foreign key checked this
-- with one lookup per entry, the largest single cost of a city's fee run
-- (300,000 entries, about 1,000 per posting); this statement-level check
-- does the same with one anti-join per INSERT or COPY. The other half of
-- a foreign key, that a referenced posting never changes or disappears,
-- is the append-only guard above (no UPDATE, DELETE or TRUNCATE).
ALTER TABLE entries DROP CONSTRAINT entries_district_id_school_id_posting_id_fkey;

CREATE FUNCTION entries_have_postings() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    orphan record;
BEGIN
    -- One probe per posting named (a fee run's COPY names one), not per entry.
    SELECT n.district_id, n.school_id, n.posting_id INTO orphan
    FROM (SELECT DISTINCT district_id, school_id, posting_id FROM new_entries) n
    WHERE NOT EXISTS (SELECT 1 FROM billing.postings p
        WHERE (p.district_id, p.school_id, p.posting_id) = (n.district_id, n.school_id, n.posting_id))
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'billing.entries: posting (%, %, %) does not exist', orphan.district_id, orphan.school_id, orphan.posting_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER entries_have_postings AFTER INSERT ON entries
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION entries_have_postings();
