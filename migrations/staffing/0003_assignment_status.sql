-- Un-assigning keeps the row for the audit trail: an assignment is active
-- or removed (with when and why). Only active rows hold a person: the
-- double-booking guard and the one-person-once-per-demand rule ignore
-- removed rows, so a removed person can be booked again at that time.

ALTER TABLE assignments
    ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed')),
    ADD COLUMN remove_time timestamptz,
    ADD COLUMN remove_reason text NOT NULL DEFAULT '',
    ADD CONSTRAINT assignments_removed_has_time CHECK ((status = 'removed') = (remove_time IS NOT NULL));

ALTER TABLE assignments DROP CONSTRAINT assignments_no_double_booking;
ALTER TABLE assignments ADD CONSTRAINT assignments_no_double_booking EXCLUDE USING gist (
    district_id WITH =, school_id WITH =, staff_id WITH =, tsrange(starts_at, ends_at) WITH &&) WHERE (status = 'active');

ALTER TABLE assignments DROP CONSTRAINT assignments_district_id_school_id_demand_id_staff_id_key;
CREATE UNIQUE INDEX assignments_one_active_holder ON assignments (district_id, school_id, demand_id, staff_id)
    WHERE status = 'active';
