-- A staff member's resident identity card number (居民身份证号码, GB 11643),
-- optional: the payroll office's pay sheet (课酬发放表) needs it. The service
-- checks it (18 characters, the MOD 11-2 check character) and shows it
-- masked everywhere but the pay sheet a finance office exports. The audit
-- trail records it with the rest of the row: it is read by the same
-- bureau and finance roles that may export it.
ALTER TABLE staff ADD COLUMN id_card_number text NOT NULL DEFAULT ''
    CHECK (id_card_number = '' OR id_card_number ~ '^[0-9]{17}[0-9X]$');
