-- A school's category (学校类别: urban 城区, county 县镇, rural 农村) decides which of a bureau's
-- price ceilings (最高限价) its fee schedules are held to. Empty: not recorded.
ALTER TABLE schools ADD COLUMN category text NOT NULL DEFAULT ''
    CHECK (category IN ('', 'urban', 'county', 'rural'));
