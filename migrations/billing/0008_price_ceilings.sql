-- A bureau's price ceilings (最高限价) per district, by school category, under
-- their notice's document number (文号). A school schedule created while a
-- ceiling binds it must not price above it.
CREATE TABLE price_ceilings (
    district_id text NOT NULL,
    ceiling_id text NOT NULL,
    document_no text NOT NULL,
    school_category text NOT NULL DEFAULT '',
    effective_from date NOT NULL,
    effective_to date,
    body jsonb NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (district_id, ceiling_id),
    CHECK (effective_to IS NULL OR effective_to >= effective_from)
);
