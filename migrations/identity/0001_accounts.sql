-- Accounts, their scopes, sign-in names and sessions. Passwords are kept
-- as argon2id hashes in the PHC string form, which records the parameters
-- with each hash ($argon2id$v=19$m=...,t=...,p=...$salt$hash), so they can
-- be raised later without invalidating old hashes.

-- An account belongs to a district ('' for the platform operator). Its
-- scope columns depend on the role (see docs/policies.md); scope_school_id
-- is the school a school-scoped role acts in. It is named apart from
-- school_id on purpose: accounts distribute by district, and a parent or a
-- bureau administrator has no school.
CREATE TABLE accounts (
    district_id          text NOT NULL,
    account_id           text NOT NULL,
    role                 text NOT NULL CHECK (role IN ('operator', 'bureau_admin', 'school_admin', 'teacher',
                             'instructor', 'parent', 'finance_officer', 'institution_manager')),
    user_name            text,
    phone                text,
    display_name         text NOT NULL,
    scope_school_id      text NOT NULL DEFAULT '',
    staff_id             text NOT NULL DEFAULT '',
    institution_id       text NOT NULL DEFAULT '',
    password_hash        text NOT NULL,
    must_change_password boolean NOT NULL,
    failed_sign_ins      integer NOT NULL DEFAULT 0 CHECK (failed_sign_ins >= 0),
    locked_until         timestamptz,
    password_change_time timestamptz NOT NULL,
    create_time          timestamptz NOT NULL,
    update_time          timestamptz NOT NULL,
    PRIMARY KEY (district_id, account_id),
    CHECK (user_name IS NOT NULL OR phone IS NOT NULL),
    CHECK ((role = 'operator') = (district_id = ''))
);

-- A sign-in name (lower-case user name or phone) names one account in the
-- whole platform, so sign-in finds the district from the name alone.
CREATE TABLE logins (
    login       text PRIMARY KEY,
    district_id text NOT NULL,
    account_id  text NOT NULL
);
COMMENT ON TABLE logins IS 'kehou:reference sign-in name -> account, looked up before the district is known';

-- A parent's children. The school comes first as everywhere.
CREATE TABLE guardianships (
    district_id text NOT NULL,
    school_id   text NOT NULL,
    student_id  text NOT NULL,
    account_id  text NOT NULL,
    create_time timestamptz NOT NULL,
    PRIMARY KEY (district_id, school_id, student_id, account_id),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, account_id)
);
CREATE INDEX guardianships_account ON guardianships (district_id, account_id);

-- A sign-in session. Only the SHA-256 of the current refresh token is
-- kept; a refresh replaces it, and presenting an older one revokes the
-- session (a stolen token that was used twice).
CREATE TABLE sessions (
    district_id   text NOT NULL,
    session_id    text NOT NULL,
    account_id    text NOT NULL,
    refresh_hash  bytea NOT NULL,
    generation    integer NOT NULL DEFAULT 1,
    address       text NOT NULL DEFAULT '',
    create_time   timestamptz NOT NULL,
    refresh_time  timestamptz NOT NULL,
    expire_time   timestamptz NOT NULL,
    revoke_time   timestamptz,
    revoke_reason text NOT NULL DEFAULT '',
    PRIMARY KEY (district_id, session_id),
    FOREIGN KEY (district_id, account_id) REFERENCES accounts (district_id, account_id)
);
CREATE INDEX sessions_account ON sessions (district_id, account_id) WHERE revoke_time IS NULL;
