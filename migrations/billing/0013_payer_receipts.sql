-- Government payers' receipts (财政补助到账): money a payer (city or district
-- finance) transferred against its subsidy and waiver claims on a school.
-- Each is written in one transaction with its posting (Dr cash:bank, Cr
-- receivable:payer:<payer>) and never changed; idempotency keys are unique
-- per school as for payments, and fingerprint tells a replay from a reuse.
CREATE TABLE payer_receipts (
    district_id text NOT NULL,
    school_id text NOT NULL,
    receipt_id text NOT NULL,
    payer_id text NOT NULL,
    amount numeric(14, 2) NOT NULL CHECK (amount > 0),
    received_on date NOT NULL,
    -- The claims the payer says it settles (申报单号, the claim export's name ...).
    claim_references text[] NOT NULL CHECK (cardinality(claim_references) > 0),
    -- The payer's transfer document or the school's voucher (凭证号).
    voucher_number text NOT NULL CHECK (voucher_number <> ''),
    memo text NOT NULL DEFAULT '',
    idempotency_key text NOT NULL,
    fingerprint text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, receipt_id),
    UNIQUE (district_id, school_id, idempotency_key)
);

CREATE INDEX payer_receipts_payer ON payer_receipts (district_id, payer_id, received_on, receipt_id);

CREATE TRIGGER payer_receipts_append_only BEFORE UPDATE OR DELETE ON payer_receipts
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER payer_receipts_no_truncate BEFORE TRUNCATE ON payer_receipts
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
CREATE TRIGGER payer_receipts_audit AFTER INSERT OR UPDATE OR DELETE ON payer_receipts
    FOR EACH ROW EXECUTE FUNCTION audit_row('payer_receipt', 'receipt_id');
