-- Issued statements are immutable, like the ledger: a fee run corrects a
-- statement with an adjustment (a new statement of the next revision), never
-- by changing the one the family was sent. Without this guard an UPDATE of
-- parent_amount moved the family's balance while the ledger still said the
-- old amount. VerifyFeeRun also compares the stored values with a replay, so
-- a change made past the guard (by a superuser in replica mode) is named.
CREATE TRIGGER statements_append_only BEFORE UPDATE OR DELETE ON statements
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER statements_no_truncate BEFORE TRUNCATE ON statements
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
CREATE TRIGGER statement_lines_append_only BEFORE UPDATE OR DELETE ON statement_lines
    FOR EACH ROW EXECUTE FUNCTION reject_change();
CREATE TRIGGER statement_lines_no_truncate BEFORE TRUNCATE ON statement_lines
    FOR EACH STATEMENT EXECUTE FUNCTION reject_change();
