-- Remuneration standards (课酬标准): versioned rate tables like fee
-- schedules. body is the whole validated pay.RateTable as jsonb; the
-- columns are what the overlap check and lookups need. school_id is '' on a
-- district-wide table. Versions of one rate_table_id supersede each other.
CREATE TABLE rate_tables (
    district_id text NOT NULL,
    school_id text NOT NULL DEFAULT '',
    rate_table_id text NOT NULL,
    version integer NOT NULL CHECK (version > 0),
    document_no text NOT NULL,
    effective_from date NOT NULL,
    effective_to date,
    body jsonb NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, rate_table_id, version),
    CHECK (effective_to IS NULL OR effective_to >= effective_from)
);
