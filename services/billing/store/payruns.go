package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/pay"
	"github.com/kehou/kehou/services/billing/domain/payrun"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/shopspring/decimal"
)

const payRunCols = `run_id, request_id, request_hash, district_id, school_id, year, month, mode, inputs_hash,
	statement_count, adjustment_count, unchanged_count, earned, paid, held_back, by_treatment, left_pending, create_time`

func scanPayRun(row pgx.Row) (payrun.Run, error) {
	var r payrun.Run
	var tags, left []byte
	err := row.Scan(&r.ID, &r.RequestID, &r.RequestHash, &r.DistrictID, &r.SchoolID, &r.Year, &r.Month, &r.Mode, &r.InputsHash,
		&r.Statements, &r.Adjustments, &r.Unchanged, &r.Earned, &r.Paid, &r.HeldBack, &tags, &left, &r.CreateTime)
	if err != nil {
		return payrun.Run{}, err
	}
	if err := json.Unmarshal(tags, &r.ByTreatment); err != nil {
		return payrun.Run{}, fmt.Errorf("decode pay run totals: %w", err)
	}
	if err := json.Unmarshal(left, &r.LeftPending); err != nil {
		return payrun.Run{}, fmt.Errorf("decode pay run pending: %w", err)
	}
	return r, nil
}

// PayRunByRequest returns the pay run created by a request id.
func (s *Store) PayRunByRequest(ctx context.Context, districtID, requestID string) (payrun.Run, bool, error) {
	r, err := scanPayRun(s.db.QueryRow(ctx, `SELECT `+payRunCols+` FROM billing.pay_runs WHERE district_id = $1 AND request_id = $2`, districtID, requestID))
	if errors.Is(err, pgx.ErrNoRows) {
		return payrun.Run{}, false, nil
	}
	if err != nil {
		return payrun.Run{}, false, interpretError(err, "pay run")
	}
	return r, true, nil
}

// GetPayRun returns a pay run with the statements it issued.
func (s *Store) GetPayRun(ctx context.Context, districtID, schoolID, runID string) (payrun.Run, error) {
	r, err := scanPayRun(s.db.QueryRow(ctx, `SELECT `+payRunCols+` FROM billing.pay_runs WHERE district_id = $1 AND school_id = $2 AND run_id = $3`,
		districtID, schoolID, runID))
	if err != nil {
		return payrun.Run{}, interpretError(err, "pay run "+runID)
	}
	r.Issued, err = readPayStatements(ctx, s.db, `s.district_id = $1 AND s.school_id = $2 AND s.run_id = $3`, districtID, schoolID, runID)
	return r, err
}

// GetPayRunSummary returns a pay run's row: its totals, hash and counts,
// without the statements.
func (s *Store) GetPayRunSummary(ctx context.Context, districtID, schoolID, runID string) (payrun.Run, error) {
	r, err := scanPayRun(s.db.QueryRow(ctx, `SELECT `+payRunCols+` FROM billing.pay_runs WHERE district_id = $1 AND school_id = $2 AND run_id = $3`,
		districtID, schoolID, runID))
	if err != nil {
		return payrun.Run{}, interpretError(err, "pay run "+runID)
	}
	return r, nil
}

// ListPayRuns returns a school's pay runs without their statements, newest
// first, at most limit, of one year (and month) when given.
func (s *Store) ListPayRuns(ctx context.Context, districtID, schoolID string, year, month, limit int) ([]payrun.Run, error) {
	rows, err := s.db.Query(ctx, `SELECT `+payRunCols+` FROM billing.pay_runs
		WHERE district_id = $1 AND school_id = $2 AND ($3 = 0 OR year = $3) AND ($4 = 0 OR month = $4)
		ORDER BY create_time DESC, run_id LIMIT $5`, districtID, schoolID, year, month, limit)
	if err != nil {
		return nil, fmt.Errorf("list pay runs: %w", err)
	}
	defer rows.Close()
	var out []payrun.Run
	for rows.Next() {
		r, err := scanPayRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list pay runs: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// IssuePayRun inserts the run row first: its unique (district_id,
// request_id) key makes a concurrent duplicate wait and then see the
// committed run, so duplicates never write twice into the ledger.
func (s *Store) IssuePayRun(ctx context.Context, run payrun.Run, produce func(context.Context, payrun.Writer) (payrun.Run, error)) (payrun.Run, bool, error) {
	created := false
	var out payrun.Run
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var id string
		err := tx.QueryRow(ctx, `INSERT INTO billing.pay_runs (district_id, school_id, run_id, request_id, request_hash, year, month, mode)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (district_id, request_id) DO NOTHING RETURNING run_id`,
			run.DistrictID, run.SchoolID, run.ID, run.RequestID, run.RequestHash, run.Year, run.Month, run.Mode).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return interpretError(err, "pay run")
		}
		res, err := produce(ctx, &payWriter{tx: tx, districtID: run.DistrictID, schoolID: run.SchoolID})
		if err != nil {
			return err
		}
		tags, err := json.Marshal(nonNil(res.ByTreatment))
		if err != nil {
			return err
		}
		left, err := json.Marshal(nonNil(res.LeftPending))
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, `UPDATE billing.pay_runs SET inputs_hash = $4, statement_count = $5, adjustment_count = $6,
			unchanged_count = $7, earned = $8, paid = $9, held_back = $10, by_treatment = $11, left_pending = $12
			WHERE district_id = $1 AND school_id = $2 AND run_id = $3 RETURNING create_time`,
			run.DistrictID, run.SchoolID, run.ID, res.InputsHash, res.Statements, res.Adjustments, res.Unchanged,
			res.Earned, res.Paid, res.HeldBack, tags, left).Scan(&res.CreateTime)
		if err != nil {
			return interpretError(err, "pay run")
		}
		out, created = res, true
		return nil
	})
	if err != nil {
		return payrun.Run{}, false, err
	}
	if created {
		// What produce wrote, not read back: reading a 10,000-person run's
		// 200,000 lines again cost as much as writing them.
		return out, true, nil
	}
	r, ok, err := s.PayRunByRequest(ctx, run.DistrictID, run.RequestID)
	if err == nil && !ok {
		err = fmt.Errorf("pay run for request %s vanished after a conflict", run.RequestID)
	}
	return r, false, err
}

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// PayRunInputs returns a run's stored inputs snapshot.
func (s *Store) PayRunInputs(ctx context.Context, districtID, schoolID, runID string) (string, []byte, error) {
	var sha string
	var data []byte
	err := s.db.QueryRow(ctx, `SELECT inputs_sha256, inputs FROM billing.pay_run_inputs WHERE district_id = $1 AND school_id = $2 AND run_id = $3`,
		districtID, schoolID, runID).Scan(&sha, &data)
	if err != nil {
		return "", nil, interpretError(err, "inputs of pay run "+runID)
	}
	return sha, data, nil
}

// readPayStatements reads statements (alias s) matching where, with their
// lines, in staff then revision order.
func readPayStatements(ctx context.Context, q rowsQuerier, where string, args ...any) ([]payrun.Statement, error) {
	out, err := readPayStatementRows(ctx, q, where, args...)
	if err != nil || len(out) == 0 {
		return out, err
	}
	idx := make(map[string]int, len(out))
	for i, st := range out {
		idx[st.StatementID] = i
	}
	return out, readPayLines(ctx, q, out, idx, where, args...)
}

// readPayStatementRows reads statements (alias s) matching where, without
// their lines, in staff then revision order.
func readPayStatementRows(ctx context.Context, q rowsQuerier, where string, args ...any) ([]payrun.Statement, error) {
	rows, err := q.Query(ctx, `SELECT s.statement_id, s.run_id, s.staff_id, s.staff_kind, s.institution_id, s.year, s.month, s.revision,
		s.kind, s.corrects_statement_id, s.earned, s.paid, s.held_back, s.cap_rule_id, s.cap_limit, s.by_treatment, s.content_hash
		FROM billing.pay_statements s WHERE `+where+` ORDER BY s.staff_id, s.revision`, args...)
	if err != nil {
		return nil, interpretError(err, "pay statements")
	}
	var out []payrun.Statement
	for rows.Next() {
		var st payrun.Statement
		var tags []byte
		if err := rows.Scan(&st.StatementID, &st.RunID, &st.StaffID, &st.StaffKind, &st.InstitutionID, &st.Year, &st.Month, &st.Revision,
			&st.Kind, &st.Corrects, &st.Earned, &st.Paid, &st.HeldBack, &st.CapRuleID, &st.CapLimit, &tags, &st.ContentHash); err != nil {
			rows.Close()
			return nil, interpretError(err, "pay statements")
		}
		if err := json.Unmarshal(tags, &st.ByTreatment); err != nil {
			rows.Close()
			return nil, fmt.Errorf("decode pay statement totals: %w", err)
		}
		out = append(out, st)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, interpretError(err, "pay statements")
	}
	return out, nil
}

// readPayLines appends to out (idx: statement id → position) the lines of
// the statements matching where.
func readPayLines(ctx context.Context, q rowsQuerier, out []payrun.Statement, idx map[string]int, where string, args ...any) error {
	// The lines of the same statements, joined on the whole key. (An
	// earlier district_id = $1 AND statement_id = ANY($ids) could not use
	// the key past district_id: one scan of the district's lines per
	// statement, quadratic in the run's size.)
	lrows, err := q.Query(ctx, `SELECT l.statement_id, l.body FROM billing.pay_statements s
		JOIN billing.pay_lines l ON l.district_id = s.district_id AND l.school_id = s.school_id AND l.statement_id = s.statement_id
		WHERE `+where+` ORDER BY l.statement_id, l.line_no`, args...)
	if err != nil {
		return interpretError(err, "pay lines")
	}
	defer lrows.Close()
	for lrows.Next() {
		var id string
		var body []byte
		if err := lrows.Scan(&id, &body); err != nil {
			return interpretError(err, "pay lines")
		}
		var l pay.IssuedLine
		if err := json.Unmarshal(body, &l); err != nil {
			return fmt.Errorf("decode pay line: %w", err)
		}
		l.StatementID = id
		out[idx[id]].Lines = append(out[idx[id]].Lines, l)
	}
	return lrows.Err()
}

// states folds a school-month's statements (staff, revision order) into
// each person's state.
func states(sts []payrun.Statement) map[string]payrun.State {
	out := map[string]payrun.State{}
	for _, st := range sts {
		ps := out[st.StaffID]
		if ps.Prior.ByTreatment == nil {
			ps.Prior.ByTreatment = map[pay.Treatment]decimal.Decimal{}
		}
		ps.Current.StatementID, ps.Current.Revision, ps.Current.ContentHash = st.StatementID, st.Revision, st.ContentHash
		ps.StaffKind, ps.InstitutionID = st.StaffKind, st.InstitutionID
		ps.Prior.Lines = append(ps.Prior.Lines, st.Lines...)
		ps.Prior.Earned = ps.Prior.Earned.Add(st.Earned)
		ps.Prior.Paid = ps.Prior.Paid.Add(st.Paid)
		ps.Prior.HeldBack = ps.Prior.HeldBack.Add(st.HeldBack)
		for _, ta := range st.ByTreatment {
			ps.Prior.ByTreatment[ta.Treatment] = ps.Prior.ByTreatment[ta.Treatment].Add(ta.Amount)
		}
		out[st.StaffID] = ps
	}
	return out
}

// MonthStates returns every person's state of a school's month, counting
// statements of runs created no later than upToRun ("" = all): content
// hash and sums, without the lines (verification compares those; reading
// a 10,000-person month's lines took longer than issuing them).
func (s *Store) MonthStates(ctx context.Context, districtID, schoolID string, year, month int, upToRun string) (map[string]payrun.State, error) {
	sts, err := readPayStatementRows(ctx, s.db, `s.district_id = $1 AND s.school_id = $2 AND s.year = $3 AND s.month = $4
		AND ($5 = '' OR s.run_id IN (SELECT r.run_id FROM billing.pay_runs r WHERE r.district_id = $1 AND r.school_id = $2
			AND r.create_time <= (SELECT create_time FROM billing.pay_runs WHERE district_id = $1 AND school_id = $2 AND run_id = $5)))`,
		districtID, schoolID, year, month, upToRun)
	if err != nil {
		return nil, err
	}
	return states(sts), nil
}

// StaffPayStatements returns a person's statements of a month.
func (s *Store) StaffPayStatements(ctx context.Context, districtID, schoolID, staffID string, year, month int) ([]payrun.Statement, error) {
	return readPayStatements(ctx, s.db, `s.district_id = $1 AND s.school_id = $2 AND s.staff_id = $3 AND s.year = $4 AND s.month = $5`,
		districtID, schoolID, staffID, year, month)
}

// analyzePayRunsFrom is the number of statements (and of lines) from
// which a pay run checks the planner's statistics (analyzeIfSmall).
const analyzePayRunsFrom = 500

type payWriter struct {
	tx                   pgx.Tx
	districtID, schoolID string
}

func lockMonth(ctx context.Context, tx pgx.Tx, districtID, schoolID string, year, month int) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('billing.pay_month:' || $1 || ':' || $2 || ':' || $3, 0))`,
		districtID, schoolID, fmt.Sprintf("%04d-%02d", year, month))
	if err != nil {
		return fmt.Errorf("lock pay month: %w", err)
	}
	return nil
}

// LockMonth serialises runs and payments of one school and month.
func (w *payWriter) LockMonth(ctx context.Context, schoolID string, year, month int) error {
	return lockMonth(ctx, w.tx, w.districtID, schoolID, year, month)
}

// MonthPaid reports whether a disbursement paid the month.
func (w *payWriter) MonthPaid(ctx context.Context, schoolID string, year, month int) (bool, error) {
	var paid bool
	err := w.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM billing.pay_disbursements WHERE district_id = $1 AND school_id = $2 AND year = $3 AND month = $4)`,
		w.districtID, schoolID, year, month).Scan(&paid)
	return paid, interpretError(err, "pay disbursements")
}

// States returns every person's state of the month so far.
func (w *payWriter) States(ctx context.Context, schoolID string, year, month int) (map[string]payrun.State, error) {
	sts, err := readPayStatements(ctx, w.tx, `s.district_id = $1 AND s.school_id = $2 AND s.year = $3 AND s.month = $4`, w.districtID, schoolID, year, month)
	if err != nil {
		return nil, err
	}
	return states(sts), nil
}

// TermPaid sums each person's paid amounts in the months [from, to).
func (w *payWriter) TermPaid(ctx context.Context, schoolID string, from, to int) (map[string]decimal.Decimal, error) {
	rows, err := w.tx.Query(ctx, `SELECT staff_id, sum(paid) FROM billing.pay_statements
		WHERE district_id = $1 AND school_id = $2 AND year * 12 + month - 1 >= $3 AND year * 12 + month - 1 < $4 GROUP BY staff_id`,
		w.districtID, schoolID, from, to)
	if err != nil {
		return nil, interpretError(err, "term pay")
	}
	defer rows.Close()
	out := map[string]decimal.Decimal{}
	for rows.Next() {
		var id string
		var v decimal.Decimal
		if err := rows.Scan(&id, &v); err != nil {
			return nil, interpretError(err, "term pay")
		}
		out[id] = v
	}
	return out, rows.Err()
}

// Write appends statements and lines (COPY) and the postings.
func (w *payWriter) Write(ctx context.Context, sts []payrun.Statement, postings []ledger.Posting) error {
	if len(sts) > 0 {
		_, err := w.tx.CopyFrom(ctx, pgx.Identifier{"billing", "pay_statements"},
			[]string{"district_id", "school_id", "statement_id", "run_id", "staff_id", "staff_kind", "institution_id", "year", "month",
				"revision", "kind", "corrects_statement_id", "earned", "paid", "held_back", "cap_rule_id", "cap_limit", "by_treatment", "content_hash"},
			pgx.CopyFromSlice(len(sts), func(i int) ([]any, error) {
				st := sts[i]
				tags, err := json.Marshal(nonNil(st.ByTreatment))
				if err != nil {
					return nil, err
				}
				var limit any
				if st.CapLimit.Valid {
					limit = st.CapLimit.Decimal
				}
				return []any{w.districtID, w.schoolID, st.StatementID, st.RunID, st.StaffID, st.StaffKind, st.InstitutionID, st.Year, st.Month,
					st.Revision, st.Kind, st.Corrects, st.Earned, st.Paid, st.HeldBack, st.CapRuleID, limit, tags, st.ContentHash}, nil
			}))
		if err != nil {
			return fmt.Errorf("copy pay statements: %w", interpretError(err, "pay statements"))
		}
		// A large run into a table the planner believes smaller than the run:
		// statistics first, so the lines' check (pay_lines_have_statements)
		// and the read-back look statements up by key, not by scanning the
		// school (migration 0012). Small runs cost little either way.
		if len(sts) >= analyzePayRunsFrom {
			if err := analyzeIfSmall(ctx, w.tx, "analyze_pay_run_tables", float64(len(sts)), "billing.pay_statements"); err != nil {
				return err
			}
		}
		// Each line's body is marshalled as COPY asks for it, while the
		// server stores the ones before: no second copy of the month's lines.
		si, li, lines := 0, 0, 0
		row := make([]any, 10)
		_, err = w.tx.CopyFrom(ctx, pgx.Identifier{"billing", "pay_lines"},
			[]string{"district_id", "school_id", "statement_id", "line_no", "kind", "record_id", "assignment_id", "treatment", "amount", "body"},
			pgx.CopyFromFunc(func() ([]any, error) {
				for si < len(sts) && li == len(sts[si].Lines) {
					si, li = si+1, 0
				}
				if si == len(sts) {
					return nil, nil
				}
				st, l := &sts[si], sts[si].Lines[li]
				li++
				lines++
				body, err := json.Marshal(l)
				if err != nil {
					return nil, err
				}
				row[0], row[1], row[2], row[3], row[4] = w.districtID, w.schoolID, st.StatementID, int32(li), string(l.Kind)
				row[5], row[6], row[7], row[8], row[9] = l.RecordID, l.AssignmentID, string(l.Treatment), l.Amount, body
				return row, nil
			}))
		if err != nil {
			return fmt.Errorf("copy pay lines: %w", interpretError(err, "pay lines"))
		}
		// And again once the lines are in, for the reads of them (the
		// read-back, exports): planned on an empty pay_lines they sorted
		// a 10,000-person month on disk.
		if lines >= analyzePayRunsFrom {
			if err := analyzeIfSmall(ctx, w.tx, "analyze_pay_run_tables", float64(lines), "billing.pay_lines"); err != nil {
				return err
			}
		}
	}
	return InsertPostings(ctx, w.tx, postings)
}

// WriteInputs stores the run's inputs snapshot.
func (w *payWriter) WriteInputs(ctx context.Context, schoolID, runID, sha string, data []byte) error {
	_, err := w.tx.Exec(ctx, `INSERT INTO billing.pay_run_inputs (district_id, school_id, run_id, inputs_sha256, inputs) VALUES ($1, $2, $3, $4, $5)`,
		w.districtID, schoolID, runID, sha, data)
	return interpretError(err, "pay run inputs")
}

// PayMonth pays each person of the month what their statements say minus
// what earlier disbursements paid, with its posting, in one transaction
// under the month's lock. A request id seen before returns that
// disbursement.
func (s *Store) PayMonth(ctx context.Context, d payrun.Disbursement, postingFor func(payrun.Disbursement) (ledger.Posting, error)) (payrun.Disbursement, bool, error) {
	created := false
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if err := lockMonth(ctx, tx, d.DistrictID, d.SchoolID, d.Year, d.Month); err != nil {
			return err
		}
		var prev string
		err := tx.QueryRow(ctx, `SELECT disbursement_id FROM billing.pay_disbursements WHERE district_id = $1 AND request_id = $2`, d.DistrictID, d.RequestID).Scan(&prev)
		if err == nil {
			d.ID = prev
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return interpretError(err, "pay disbursement")
		}
		// What each person is owed: the month's statements less what earlier
		// disbursements paid, each side summed once (a subquery per person
		// took 131 ms against 24 ms for 5,000 people with two months paid).
		rows, err := tx.Query(ctx, `WITH owed AS (
				SELECT staff_id, max(staff_kind) AS staff_kind, max(institution_id) AS institution_id, sum(paid) AS paid
				FROM billing.pay_statements WHERE district_id = $1 AND school_id = $2 AND year = $3 AND month = $4 GROUP BY staff_id),
			done AS (
				SELECT l.staff_id, sum(l.amount) AS amount
				FROM billing.pay_disbursement_lines l JOIN billing.pay_disbursements p USING (district_id, school_id, disbursement_id)
				WHERE p.district_id = $1 AND p.school_id = $2 AND p.year = $3 AND p.month = $4 GROUP BY l.staff_id)
			SELECT o.staff_id, o.staff_kind, o.institution_id, o.paid - coalesce(d.amount, 0)
			FROM owed o LEFT JOIN done d ON d.staff_id = o.staff_id ORDER BY o.staff_id`, d.DistrictID, d.SchoolID, d.Year, d.Month)
		if err != nil {
			return interpretError(err, "pay owed")
		}
		for rows.Next() {
			var a payrun.StaffAmount
			if err := rows.Scan(&a.StaffID, &a.StaffKind, &a.InstitutionID, &a.Amount); err != nil {
				rows.Close()
				return interpretError(err, "pay owed")
			}
			if !a.Amount.IsZero() {
				d.Payments = append(d.Payments, a)
				d.Total = d.Total.Add(a.Amount)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return interpretError(err, "pay owed")
		}
		if len(d.Payments) == 0 {
			return fmt.Errorf("%04d-%02d of school %s has nothing left to pay: %w", d.Year, d.Month, d.SchoolID, fault.ErrFailedPrecondition)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO billing.pay_disbursements (district_id, school_id, disbursement_id, request_id, year, month, channel, total)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, d.DistrictID, d.SchoolID, d.ID, d.RequestID, d.Year, d.Month, d.Channel, d.Total); err != nil {
			return interpretError(err, "pay disbursement")
		}
		// One COPY for the month's people, not an INSERT (a round trip) each.
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"billing", "pay_disbursement_lines"},
			[]string{"district_id", "school_id", "disbursement_id", "staff_id", "amount"},
			pgx.CopyFromSlice(len(d.Payments), func(i int) ([]any, error) {
				return []any{d.DistrictID, d.SchoolID, d.ID, d.Payments[i].StaffID, d.Payments[i].Amount}, nil
			})); err != nil {
			return fmt.Errorf("copy pay disbursement lines: %w", interpretError(err, "pay disbursement"))
		}
		p, err := postingFor(d)
		if err != nil {
			return err
		}
		if err := InsertPostings(ctx, tx, []ledger.Posting{p}); err != nil {
			return err
		}
		created = true
		return nil
	})
	if err != nil {
		return payrun.Disbursement{}, false, err
	}
	if !created {
		out, err := s.disbursement(ctx, d.DistrictID, d.SchoolID, d.ID)
		return out, false, err
	}
	return d, true, nil
}

func (s *Store) disbursement(ctx context.Context, districtID, schoolID, id string) (payrun.Disbursement, error) {
	d := payrun.Disbursement{ID: id, DistrictID: districtID, SchoolID: schoolID}
	err := s.db.QueryRow(ctx, `SELECT request_id, year, month, channel, total FROM billing.pay_disbursements WHERE district_id = $1 AND disbursement_id = $2`,
		districtID, id).Scan(&d.RequestID, &d.Year, &d.Month, &d.Channel, &d.Total)
	if err != nil {
		return payrun.Disbursement{}, interpretError(err, "pay disbursement")
	}
	rows, err := s.db.Query(ctx, `SELECT staff_id, amount FROM billing.pay_disbursement_lines WHERE district_id = $1 AND disbursement_id = $2 ORDER BY staff_id`, districtID, id)
	if err != nil {
		return payrun.Disbursement{}, interpretError(err, "pay disbursement")
	}
	defer rows.Close()
	for rows.Next() {
		var a payrun.StaffAmount
		if err := rows.Scan(&a.StaffID, &a.Amount); err != nil {
			return payrun.Disbursement{}, err
		}
		d.Payments = append(d.Payments, a)
	}
	return d, rows.Err()
}
