-- Payments of institution settlements (机构结算付款): one per institution
-- and month paid, idempotent by request id per district, with each
-- school's part — the instructors' labour (paid through a pay
-- disbursement of the school's month, so PayMonth does not pay it again)
-- and the fees collected on the institution's behalf (a provider payout).
-- Written in one transaction with the postings; never changed.
CREATE TABLE institution_payments (
    district_id text NOT NULL,
    payment_id text NOT NULL,
    request_id text NOT NULL,
    institution_id text NOT NULL,
    year integer NOT NULL,
    month integer NOT NULL CHECK (month BETWEEN 1 AND 12),
    channel text NOT NULL,
    paid_on date NOT NULL,
    amount numeric(14, 2) NOT NULL CHECK (amount > 0),
    fingerprint text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, payment_id),
    UNIQUE (district_id, request_id)
);

CREATE INDEX institution_payments_month ON institution_payments (district_id, institution_id, year, month);

CREATE TABLE institution_payment_schools (
    district_id text NOT NULL,
    payment_id text NOT NULL,
    school_id text NOT NULL,
    disbursement_id text NOT NULL DEFAULT '',
    labour numeric(14, 2) NOT NULL CHECK (labour >= 0),
    collected numeric(14, 2) NOT NULL CHECK (collected >= 0),
    PRIMARY KEY (district_id, school_id, payment_id),
    FOREIGN KEY (district_id, payment_id) REFERENCES institution_payments (district_id, payment_id)
);

CREATE TRIGGER institution_payments_append_only BEFORE UPDATE OR DELETE ON institution_payments
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER institution_payments_no_truncate BEFORE TRUNCATE ON institution_payments
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
CREATE TRIGGER institution_payment_schools_append_only BEFORE UPDATE OR DELETE ON institution_payment_schools
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER institution_payment_schools_no_truncate BEFORE TRUNCATE ON institution_payment_schools
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
CREATE TRIGGER institution_payments_audit AFTER INSERT OR UPDATE OR DELETE ON institution_payments
    FOR EACH ROW EXECUTE FUNCTION audit_row('institution_payment', 'payment_id');
