-- Change notices: after every statement that changes a table a term's facts
-- are read from (the term, its calendar and closures, items, classes,
-- clubs and their members, the plan, cancellations and deliveries, the
-- school and its district), PostgreSQL notifies the channel
-- kehou_timetable_changes once per school touched, with the payload
-- '<district_id>/<school_id>' ('<district_id>/' for a change to the
-- district or a district-wide closure; '*' for a TRUNCATE). A notice is
-- delivered only when its transaction commits. Each timetable process
-- listens (services/platform/changes) and drops what it keeps in memory
-- of that school, so a process never answers from facts older than a
-- committed change it has been told of.
CREATE FUNCTION notify_change() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    k text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        FOR k IN SELECT DISTINCT district_id || '/' || school_id FROM new_rows LOOP
            PERFORM pg_notify('kehou_timetable_changes', k);
        END LOOP;
    ELSIF TG_OP = 'DELETE' THEN
        FOR k IN SELECT DISTINCT district_id || '/' || school_id FROM old_rows LOOP
            PERFORM pg_notify('kehou_timetable_changes', k);
        END LOOP;
    ELSE
        FOR k IN SELECT district_id || '/' || school_id FROM new_rows
                 UNION SELECT district_id || '/' || school_id FROM old_rows LOOP
            PERFORM pg_notify('kehou_timetable_changes', k);
        END LOOP;
    END IF;
    RETURN NULL;
END;
$$;

-- notify_district_change is notify_change for the districts table (no school).
CREATE FUNCTION notify_district_change() RETURNS trigger LANGUAGE plpgsql
SET search_path FROM CURRENT AS $$
DECLARE
    k text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        FOR k IN SELECT DISTINCT district_id || '/' FROM old_rows LOOP
            PERFORM pg_notify('kehou_timetable_changes', k);
        END LOOP;
    ELSE
        FOR k IN SELECT DISTINCT district_id || '/' FROM new_rows LOOP
            PERFORM pg_notify('kehou_timetable_changes', k);
        END LOOP;
    END IF;
    RETURN NULL;
END;
$$;

-- notify_truncate: a TRUNCATE names no rows, so every school is stale.
CREATE FUNCTION notify_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('kehou_timetable_changes', '*');
    RETURN NULL;
END;
$$;

DO $$
DECLARE
    t  text;
    fn text;
BEGIN
    FOREACH t IN ARRAY ARRAY['districts', 'schools', 'terms', 'closures', 'service_items', 'classes', 'clubs',
                             'club_members', 'plans', 'plan_placements', 'cancellations', 'deliveries'] LOOP
        fn := CASE WHEN t = 'districts' THEN 'notify_district_change' ELSE 'notify_change' END;
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
