-- People who may take after-school duties, per school.

CREATE TABLE staff (
    district_id text NOT NULL,
    school_id text NOT NULL,
    staff_id text NOT NULL,
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('teacher', 'outside_instructor', 'admin')),
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, staff_id)
);
