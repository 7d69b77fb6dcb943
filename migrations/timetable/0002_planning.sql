-- Organisation, calendars, service items, clubs, weekly plans, enrolment
-- and the records of what happened (cancellations, deliveries,
-- attendance). Every key leads with (district_id, school_id).

CREATE TABLE rooms (
    district_id text NOT NULL,
    school_id text NOT NULL,
    room_id text NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    capacity integer NOT NULL CHECK (capacity > 0),
    PRIMARY KEY (district_id, school_id, room_id),
    UNIQUE (district_id, school_id, name),
    FOREIGN KEY (district_id, school_id) REFERENCES schools (district_id, school_id)
);

CREATE TABLE classes (
    district_id text NOT NULL,
    school_id text NOT NULL,
    class_id text NOT NULL,
    grade integer NOT NULL CHECK (grade BETWEEN 1 AND 9),
    name text NOT NULL,
    size integer NOT NULL CHECK (size >= 0),
    home_room_id text NOT NULL DEFAULT '',
    PRIMARY KEY (district_id, school_id, class_id),
    UNIQUE (district_id, school_id, name),
    FOREIGN KEY (district_id, school_id) REFERENCES schools (district_id, school_id)
);

CREATE TABLE students (
    district_id text NOT NULL,
    school_id text NOT NULL,
    student_id text NOT NULL,
    class_id text NOT NULL,
    name text NOT NULL,
    guardians jsonb NOT NULL DEFAULT '[]',
    hardship_category text NOT NULL DEFAULT '',
    hardship_verified boolean NOT NULL DEFAULT false,
    PRIMARY KEY (district_id, school_id, student_id),
    FOREIGN KEY (district_id, school_id, class_id) REFERENCES classes (district_id, school_id, class_id)
);
CREATE INDEX students_by_class ON students (district_id, school_id, class_id);

CREATE TABLE terms (
    district_id text NOT NULL,
    school_id text NOT NULL,
    term_id text NOT NULL,
    name text NOT NULL,
    start_date date NOT NULL,
    end_date date NOT NULL CHECK (end_date >= start_date),
    weekdays integer[] NOT NULL DEFAULT '{}',
    holidays jsonb NOT NULL DEFAULT '[]',
    swaps jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (district_id, school_id, term_id),
    UNIQUE (district_id, school_id, name),
    FOREIGN KEY (district_id, school_id) REFERENCES schools (district_id, school_id)
);

-- A closure with school_id '' closes every school of the district.
CREATE TABLE closures (
    district_id text NOT NULL REFERENCES districts (district_id),
    school_id text NOT NULL,
    closure_id text NOT NULL,
    start_date date NOT NULL,
    end_date date NOT NULL CHECK (end_date >= start_date),
    reason text NOT NULL,
    note text NOT NULL DEFAULT '',
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, closure_id)
);

CREATE TABLE service_items (
    district_id text NOT NULL,
    school_id text NOT NULL,
    term_id text NOT NULL,
    item_id text NOT NULL,
    kind text NOT NULL,
    name text NOT NULL,
    segment integer NOT NULL,
    windows jsonb NOT NULL,
    grades integer[] NOT NULL DEFAULT '{}', -- empty: every class
    PRIMARY KEY (district_id, school_id, item_id),
    FOREIGN KEY (district_id, school_id, term_id) REFERENCES terms (district_id, school_id, term_id)
);

CREATE TABLE clubs (
    district_id text NOT NULL,
    school_id text NOT NULL,
    term_id text NOT NULL,
    club_id text NOT NULL,
    name text NOT NULL,
    activity_kind text NOT NULL,
    provider_kind text NOT NULL,
    institution_id text NOT NULL DEFAULT '',
    capacity integer NOT NULL CHECK (capacity > 0),
    grades integer[] NOT NULL,
    room_kind text NOT NULL,
    meetings_per_week integer NOT NULL CHECK (meetings_per_week > 0),
    PRIMARY KEY (district_id, school_id, club_id),
    UNIQUE (district_id, school_id, term_id, name),
    FOREIGN KEY (district_id, school_id, term_id) REFERENCES terms (district_id, school_id, term_id)
);

-- The current weekly plan of a term; regenerating replaces it whole.
CREATE TABLE plans (
    district_id text NOT NULL,
    school_id text NOT NULL,
    term_id text NOT NULL,
    seed numeric(20, 0) NOT NULL,
    unplaced jsonb NOT NULL DEFAULT '[]',
    generate_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, term_id),
    FOREIGN KEY (district_id, school_id, term_id) REFERENCES terms (district_id, school_id, term_id)
);

CREATE TABLE plan_placements (
    district_id text NOT NULL,
    school_id text NOT NULL,
    term_id text NOT NULL,
    club_id text NOT NULL,
    weekday integer NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    segment integer NOT NULL,
    room_id text NOT NULL,
    locked boolean NOT NULL DEFAULT false,
    PRIMARY KEY (district_id, school_id, term_id, club_id, weekday),
    UNIQUE (district_id, school_id, term_id, weekday, segment, room_id),
    FOREIGN KEY (district_id, school_id, term_id) REFERENCES plans (district_id, school_id, term_id) ON DELETE CASCADE,
    FOREIGN KEY (district_id, school_id, club_id) REFERENCES clubs (district_id, school_id, club_id)
);

-- Cancellations are records, never deletions of sessions.
CREATE TABLE cancellations (
    district_id text NOT NULL,
    school_id text NOT NULL,
    term_id text NOT NULL,
    cancellation_id text NOT NULL,
    date date NOT NULL,
    class_id text NOT NULL DEFAULT '',
    club_id text NOT NULL DEFAULT '',
    segment integer NOT NULL DEFAULT 0,
    reason text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, cancellation_id),
    FOREIGN KEY (district_id, school_id, term_id) REFERENCES terms (district_id, school_id, term_id)
);

CREATE TABLE deliveries (
    district_id text NOT NULL,
    school_id text NOT NULL,
    term_id text NOT NULL,
    date date NOT NULL,
    class_id text NOT NULL DEFAULT '',
    club_id text NOT NULL DEFAULT '',
    segment integer NOT NULL,
    minutes integer NOT NULL CHECK (minutes >= 0),
    record_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, term_id, date, class_id, club_id, segment),
    FOREIGN KEY (district_id, school_id, term_id) REFERENCES terms (district_id, school_id, term_id)
);

CREATE TABLE attendance (
    district_id text NOT NULL,
    school_id text NOT NULL,
    occurrence_id text NOT NULL,
    student_id text NOT NULL,
    status text NOT NULL,
    record_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, occurrence_id, student_id),
    FOREIGN KEY (district_id, school_id, student_id) REFERENCES students (district_id, school_id, student_id)
);

CREATE TABLE enrolments (
    district_id text NOT NULL,
    school_id text NOT NULL,
    enrolment_id text NOT NULL,
    term_id text NOT NULL,
    student_id text NOT NULL,
    item_id text NOT NULL,
    start_date date NOT NULL,
    end_date date,
    status text NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    update_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, enrolment_id),
    CHECK (end_date IS NULL OR end_date >= start_date),
    FOREIGN KEY (district_id, school_id, student_id) REFERENCES students (district_id, school_id, student_id),
    FOREIGN KEY (district_id, school_id, item_id) REFERENCES service_items (district_id, school_id, item_id)
);
-- One live sign-up per student and item.
CREATE UNIQUE INDEX enrolments_live ON enrolments (district_id, school_id, student_id, item_id)
    WHERE status IN ('pending', 'approved');
CREATE INDEX enrolments_by_term ON enrolments (district_id, school_id, term_id);

CREATE TABLE leaves (
    district_id text NOT NULL,
    school_id text NOT NULL,
    leave_id text NOT NULL,
    student_id text NOT NULL,
    start_date date NOT NULL,
    end_date date NOT NULL CHECK (end_date >= start_date),
    reason text NOT NULL DEFAULT '',
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, leave_id),
    FOREIGN KEY (district_id, school_id, student_id) REFERENCES students (district_id, school_id, student_id)
);

CREATE TABLE club_choices (
    district_id text NOT NULL,
    school_id text NOT NULL,
    term_id text NOT NULL,
    student_id text NOT NULL,
    rank integer NOT NULL CHECK (rank >= 1),
    club_id text NOT NULL,
    PRIMARY KEY (district_id, school_id, term_id, student_id, rank),
    FOREIGN KEY (district_id, school_id, student_id) REFERENCES students (district_id, school_id, student_id),
    FOREIGN KEY (district_id, school_id, club_id) REFERENCES clubs (district_id, school_id, club_id)
);

-- A student holds at most one club seat per term.
CREATE TABLE club_members (
    district_id text NOT NULL,
    school_id text NOT NULL,
    term_id text NOT NULL,
    student_id text NOT NULL,
    club_id text NOT NULL,
    rank integer NOT NULL DEFAULT 0,
    join_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, term_id, student_id),
    FOREIGN KEY (district_id, school_id, student_id) REFERENCES students (district_id, school_id, student_id),
    FOREIGN KEY (district_id, school_id, club_id) REFERENCES clubs (district_id, school_id, club_id)
);
CREATE INDEX club_members_by_club ON club_members (district_id, school_id, club_id);

-- The seeded priority order of the last allocation, kept so that a freed
-- seat goes to the next in line in that same order.
CREATE TABLE club_allocations (
    district_id text NOT NULL,
    school_id text NOT NULL,
    term_id text NOT NULL,
    seed numeric(20, 0) NOT NULL,
    priority jsonb NOT NULL,
    allocate_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, school_id, term_id),
    FOREIGN KEY (district_id, school_id, term_id) REFERENCES terms (district_id, school_id, term_id)
);
