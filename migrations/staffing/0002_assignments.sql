-- Staff profiles, outside institutions, demands and assignments per week,
-- absences and delivered hours. district_id leads every key; school_id
-- follows wherever a row belongs to one school.

-- btree_gist lets one exclusion constraint combine "same person" (=) with
-- "overlapping time" (&&): the database itself refuses a double booking.
CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE staff
    ADD COLUMN institution_id text NOT NULL DEFAULT '',
    ADD COLUMN subjects text[] NOT NULL DEFAULT '{}',
    ADD COLUMN classes_taught text[] NOT NULL DEFAULT '{}',
    ADD COLUMN class_teacher_of text NOT NULL DEFAULT '',
    ADD COLUMN qualifications text[] NOT NULL DEFAULT '{}',
    ADD COLUMN availability jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN max_periods_per_week integer NOT NULL DEFAULT 0 CHECK (max_periods_per_week >= 0),
    ADD COLUMN max_days_per_week integer NOT NULL DEFAULT 0 CHECK (max_days_per_week BETWEEN 0 AND 7),
    ADD COLUMN max_periods_per_day integer NOT NULL DEFAULT 0 CHECK (max_periods_per_day >= 0),
    ADD COLUMN preferences jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN update_time timestamptz NOT NULL DEFAULT now();

-- Voluntary participation per term: a row means the person opted in.
CREATE TABLE term_participation (
    district_id text NOT NULL,
    school_id text NOT NULL,
    term_id text NOT NULL,
    staff_id text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, term_id, staff_id),
    FOREIGN KEY (district_id, school_id, staff_id) REFERENCES staff (district_id, school_id, staff_id)
);

-- District staffing rules set by the education bureau.
CREATE TABLE district_policy (
    district_id text PRIMARY KEY,
    max_schools_per_institution integer NOT NULL DEFAULT 0 CHECK (max_schools_per_institution >= 0),
    update_time timestamptz NOT NULL DEFAULT now()
);

-- Outside institutions (第三方机构), approved by the district bureau.
CREATE TABLE institutions (
    district_id text NOT NULL,
    institution_id text NOT NULL,
    name text NOT NULL,
    licence_no text NOT NULL,
    licence_valid_from date NOT NULL,
    licence_valid_until date NOT NULL CHECK (licence_valid_until >= licence_valid_from),
    approved boolean NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, institution_id),
    UNIQUE (district_id, licence_no)
);

CREATE TABLE institution_courses (
    district_id text NOT NULL,
    institution_id text NOT NULL,
    course_id text NOT NULL,
    name text NOT NULL,
    activity_kind text NOT NULL,
    price_per_period numeric(12, 2) NOT NULL CHECK (price_per_period >= 0),
    PRIMARY KEY (district_id, institution_id, course_id),
    FOREIGN KEY (district_id, institution_id) REFERENCES institutions (district_id, institution_id)
);

CREATE TABLE institution_schools (
    district_id text NOT NULL,
    school_id text NOT NULL,
    institution_id text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, institution_id),
    FOREIGN KEY (district_id, institution_id) REFERENCES institutions (district_id, institution_id)
);

-- A solved week of a school.
CREATE TABLE plans (
    district_id text NOT NULL,
    school_id text NOT NULL,
    week_start date NOT NULL,
    term_id text NOT NULL,
    seed bigint NOT NULL,
    uncovered jsonb NOT NULL DEFAULT '[]',
    solve_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, week_start)
);

-- Demands derived from timetable occurrences: one row per occurrence and role.
CREATE TABLE demands (
    district_id text NOT NULL,
    school_id text NOT NULL,
    demand_id text NOT NULL,
    week_start date NOT NULL,
    occurrence_id text NOT NULL,
    day date NOT NULL,
    segment text NOT NULL,
    start_minute integer NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute integer NOT NULL CHECK (end_minute > start_minute AND end_minute <= 1440),
    periods integer NOT NULL CHECK (periods >= 0),
    period_minutes integer NOT NULL CHECK (period_minutes > 0),
    role text NOT NULL CHECK (role IN ('supervisor', 'instructor', 'extra_adult', 'patrol')),
    activity_kind text NOT NULL DEFAULT '',
    institution_id text NOT NULL DEFAULT '',
    class_id text NOT NULL DEFAULT '',
    club_id text NOT NULL DEFAULT '',
    needed integer NOT NULL CHECK (needed >= 1),
    students integer NOT NULL DEFAULT 0,
    PRIMARY KEY (district_id, school_id, demand_id)
);
CREATE INDEX demands_week ON demands (district_id, school_id, week_start);

-- Who holds which demand. The exclusion constraint is the double-booking
-- guard: one person never holds two overlapping sessions, whoever writes.
CREATE TABLE assignments (
    district_id text NOT NULL,
    school_id text NOT NULL,
    assignment_id text NOT NULL,
    demand_id text NOT NULL,
    staff_id text NOT NULL,
    week_start date NOT NULL,
    starts_at timestamp NOT NULL,
    ends_at timestamp NOT NULL CHECK (ends_at > starts_at),
    locked boolean NOT NULL DEFAULT false,
    source text NOT NULL CHECK (source IN ('solver', 'manual', 'substitution')),
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, assignment_id),
    UNIQUE (district_id, school_id, demand_id, staff_id),
    FOREIGN KEY (district_id, school_id, demand_id) REFERENCES demands (district_id, school_id, demand_id),
    FOREIGN KEY (district_id, school_id, staff_id) REFERENCES staff (district_id, school_id, staff_id),
    CONSTRAINT assignments_no_double_booking EXCLUDE USING gist (
        district_id WITH =, school_id WITH =, staff_id WITH =, tsrange(starts_at, ends_at) WITH &&)
);
CREATE INDEX assignments_week ON assignments (district_id, school_id, week_start);

CREATE TABLE absences (
    district_id text NOT NULL,
    school_id text NOT NULL,
    absence_id text NOT NULL,
    staff_id text NOT NULL,
    from_day date NOT NULL,
    to_day date NOT NULL CHECK (to_day >= from_day),
    reason text NOT NULL DEFAULT '',
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, absence_id),
    FOREIGN KEY (district_id, school_id, staff_id) REFERENCES staff (district_id, school_id, staff_id)
);

-- Delivered hours. A locked record never changes (the trigger below); a
-- correction is a new row naming the record it corrects.
CREATE TABLE hour_records (
    district_id text NOT NULL,
    school_id text NOT NULL,
    record_id text NOT NULL,
    assignment_id text NOT NULL,
    staff_id text NOT NULL,
    day date NOT NULL,
    scheduled_start timestamptz NOT NULL,
    scheduled_end timestamptz NOT NULL CHECK (scheduled_end > scheduled_start),
    check_in timestamptz,
    check_out timestamptz CHECK (check_out > check_in),
    duty text NOT NULL CHECK (duty IN ('taught', 'substitute_cover', 'supervision_only')),
    status text NOT NULL CHECK (status IN ('draft', 'checked_out', 'approved', 'locked')),
    corrects text NOT NULL DEFAULT '',
    reason text NOT NULL DEFAULT '',
    approved_by text NOT NULL DEFAULT '',
    approve_time timestamptz,
    lock_time timestamptz,
    create_time timestamptz NOT NULL,
    PRIMARY KEY (district_id, school_id, record_id),
    FOREIGN KEY (district_id, school_id, assignment_id) REFERENCES assignments (district_id, school_id, assignment_id)
);
CREATE INDEX hour_records_day ON hour_records (district_id, school_id, day);
CREATE UNIQUE INDEX hour_records_one_original ON hour_records (district_id, school_id, assignment_id) WHERE corrects = '';

CREATE FUNCTION refuse_locked_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'locked' THEN
        RAISE EXCEPTION 'hour record % is locked', OLD.record_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;

CREATE TRIGGER hour_records_locked BEFORE UPDATE OR DELETE ON hour_records
    FOR EACH ROW EXECUTE FUNCTION refuse_locked_change();
