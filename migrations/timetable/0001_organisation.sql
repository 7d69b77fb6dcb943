-- Districts and schools. district_id is the tenant key: it leads every
-- primary key and every foreign key so the schema can be distributed by
-- district (see docs/scaling.md).

CREATE TABLE districts (
    district_id text PRIMARY KEY CHECK (district_id ~ '^[0-9]{6}$'),
    name text NOT NULL,
    off_work_minute integer NOT NULL CHECK (off_work_minute BETWEEN 0 AND 1439),
    min_minutes_per_day integer NOT NULL CHECK (min_minutes_per_day >= 0),
    service_days_per_week integer NOT NULL CHECK (service_days_per_week BETWEEN 1 AND 7),
    period_minutes_primary integer NOT NULL CHECK (period_minutes_primary > 0),
    period_minutes_junior_middle integer NOT NULL CHECK (period_minutes_junior_middle > 0),
    max_periods_per_day integer NOT NULL DEFAULT 0,
    evening_care_end_minute integer CHECK (evening_care_end_minute BETWEEN 0 AND 1439),
    evening_study_end_minute integer CHECK (evening_study_end_minute BETWEEN 0 AND 1439),
    outside_share_cap_percent integer NOT NULL DEFAULT 50 CHECK (outside_share_cap_percent BETWEEN 0 AND 100),
    students_per_adult integer NOT NULL DEFAULT 0,
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE schools (
    district_id text NOT NULL REFERENCES districts (district_id),
    school_id text NOT NULL,
    name text NOT NULL,
    stage text NOT NULL CHECK (stage IN ('primary', 'junior_middle', 'nine_year')),
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id),
    UNIQUE (district_id, name)
);

-- school_directory answers "which district is this school in" for the
-- requests that carry only a school id. It is tiny (one row per school) and
-- becomes a reference table, copied to every node, when distributed.
CREATE TABLE school_directory (
    school_id text PRIMARY KEY,
    district_id text NOT NULL
);
COMMENT ON TABLE school_directory IS 'kehou:reference';
