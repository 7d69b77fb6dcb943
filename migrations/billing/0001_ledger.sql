-- The double-entry ledger. Postings are append-only: corrections are new
-- postings. Each posting is balanced (its entries sum to zero).

CREATE TABLE postings (
    district_id text NOT NULL,
    school_id text NOT NULL,
    posting_id text NOT NULL,
    kind text NOT NULL,
    memo text NOT NULL DEFAULT '',
    effective_date date NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, posting_id)
);

CREATE TABLE entries (
    district_id text NOT NULL,
    school_id text NOT NULL,
    posting_id text NOT NULL,
    line integer NOT NULL,
    account text NOT NULL,
    amount numeric(14, 2) NOT NULL,
    PRIMARY KEY (district_id, school_id, posting_id, line),
    FOREIGN KEY (district_id, school_id, posting_id) REFERENCES postings (district_id, school_id, posting_id)
);
