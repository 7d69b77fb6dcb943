-- Change notices, as timetable's (timetable/0007_change_notices.sql): after
-- every statement that changes a table a week's staffing grid is read from
-- (the school's staffing plans, demands and assignments, staff and their
-- term participation, absences, institutions, their courses and schools,
-- the district's staffing policy), PostgreSQL notifies the channel
-- kehou_staffing_changes once per school touched, with the payload
-- '<district_id>/<school_id>' ('<district_id>/' for a district's own rows:
-- its policy, institutions, staff not placed at a school; '*' for a
-- TRUNCATE), delivered when its transaction commits. Each staffing process
-- listens (services/platform/changes) and forgets the grids it keeps of
-- that school.
CREATE FUNCTION notify_change() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    k text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        FOR k IN SELECT DISTINCT district_id || '/' || school_id FROM new_rows LOOP
            PERFORM pg_notify('kehou_staffing_changes', k);
        END LOOP;
    ELSIF TG_OP = 'DELETE' THEN
        FOR k IN SELECT DISTINCT district_id || '/' || school_id FROM old_rows LOOP
            PERFORM pg_notify('kehou_staffing_changes', k);
        END LOOP;
    ELSE
        FOR k IN SELECT district_id || '/' || school_id FROM new_rows
                 UNION SELECT district_id || '/' || school_id FROM old_rows LOOP
            PERFORM pg_notify('kehou_staffing_changes', k);
        END LOOP;
    END IF;
    RETURN NULL;
END;
$$;

-- notify_district_change is notify_change for the district-wide tables (no school column).
CREATE FUNCTION notify_district_change() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    k text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        FOR k IN SELECT DISTINCT district_id || '/' FROM old_rows LOOP
            PERFORM pg_notify('kehou_staffing_changes', k);
        END LOOP;
    ELSE
        FOR k IN SELECT DISTINCT district_id || '/' FROM new_rows LOOP
            PERFORM pg_notify('kehou_staffing_changes', k);
        END LOOP;
    END IF;
    RETURN NULL;
END;
$$;

-- notify_truncate: a TRUNCATE names no rows, so every school is stale.
CREATE FUNCTION notify_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('kehou_staffing_changes', '*');
    RETURN NULL;
END;
$$;

DO $$
DECLARE
    t  text;
    fn text;
BEGIN
    FOREACH t IN ARRAY ARRAY['staff', 'term_participation', 'district_policy', 'institutions', 'institution_courses',
                             'institution_schools', 'plans', 'demands', 'assignments', 'absences'] LOOP
        fn := CASE WHEN t IN ('district_policy', 'institutions', 'institution_courses') THEN 'notify_district_change' ELSE 'notify_change' END;
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                       t || '_notify_insert', t, fn);
        EXECUTE format('CREATE TRIGGER %I AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                       t || '_notify_update', t, fn);
        EXECUTE format('CREATE TRIGGER %I AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION %I()',
                       t || '_notify_delete', t, fn);
        EXECUTE format('CREATE TRIGGER %I AFTER TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION notify_truncate()',
                       t || '_notify_truncate', t);
    END LOOP;
END;
$$;
