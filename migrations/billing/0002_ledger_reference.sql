-- Every posting names the record it comes from (statement, payment, refund),
-- so each fen in the ledger can be traced to its source.

ALTER TABLE postings ADD COLUMN reference text NOT NULL DEFAULT '';

CREATE INDEX postings_reference ON postings (district_id, school_id, reference);
CREATE INDEX entries_account ON entries (district_id, school_id, account);
