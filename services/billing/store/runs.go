package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/runs"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/shopspring/decimal"
)

const runColumns = `district_id, school_id, run_id, request_id, term_id, period_kind, period_start, period_end, status,
	inputs, inputs_hash, request_hash, statement_count, adjustment_count, unchanged_count, parent_total, create_time`

func scanRun(row pgx.Row) (runs.Run, error) {
	var r runs.Run
	var from, to time.Time
	var kind string
	var inputs []byte
	err := row.Scan(&r.DistrictID, &r.SchoolID, &r.ID, &r.RequestID, &r.TermID, &kind, &from, &to, &r.Status,
		&inputs, &r.InputsHash, &r.RequestHash, &r.Statements, &r.Adjustments, &r.Unchanged, &r.ParentTotal, &r.CreateTime)
	if err != nil {
		return runs.Run{}, err
	}
	r.PeriodKind, r.From, r.To, r.Inputs = fee.PeriodKind(kind), feeDate(&from), feeDate(&to), inputs
	return r, nil
}

// RunByRequest returns the run created by a request id.
func (s *Store) RunByRequest(ctx context.Context, districtID, requestID string) (runs.Run, bool, error) {
	r, err := scanRun(s.db.QueryRow(ctx, `SELECT `+runColumns+` FROM billing.fee_runs WHERE district_id = $1 AND request_id = $2`,
		districtID, requestID))
	if errors.Is(err, pgx.ErrNoRows) {
		return runs.Run{}, false, nil
	}
	if err != nil {
		return runs.Run{}, false, fmt.Errorf("run by request: %w", err)
	}
	return r, true, nil
}

// GetRun returns a run.
func (s *Store) GetRun(ctx context.Context, districtID, runID string) (runs.Run, error) {
	r, err := scanRun(s.db.QueryRow(ctx, `SELECT `+runColumns+` FROM billing.fee_runs WHERE district_id = $1 AND run_id = $2`,
		districtID, runID))
	if err != nil {
		return runs.Run{}, interpretError(err, "fee run "+runID)
	}
	return r, nil
}

// ListRuns returns a district's fee runs, newest first, at most limit,
// optionally of one school and one term; their inputs are left out (a
// city's snapshot is megabytes).
func (s *Store) ListRuns(ctx context.Context, districtID, schoolID, termID string, limit int) ([]runs.Run, error) {
	cols := strings.Replace(runColumns, "inputs, ", "'{}'::jsonb, ", 1)
	rows, err := s.db.Query(ctx, `SELECT `+cols+` FROM billing.fee_runs
		WHERE district_id = $1 AND ($2 = '' OR school_id = $2) AND ($3 = '' OR term_id = $3)
		ORDER BY create_time DESC, run_id LIMIT $4`, districtID, schoolID, termID, limit)
	if err != nil {
		return nil, fmt.Errorf("list fee runs: %w", err)
	}
	defer rows.Close()
	var out []runs.Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list fee runs: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// IssueRun writes a run and everything produce writes in one transaction.
// The run row goes first: its unique (district_id, request_id) key makes a
// concurrent duplicate wait for this transaction and then see the committed
// run (ON CONFLICT DO NOTHING), so duplicates never compute twice into the
// ledger.
func (s *Store) IssueRun(ctx context.Context, run runs.Run, produce func(context.Context, runs.Writer) (runs.Result, error)) (runs.Run, bool, error) {
	created := false
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		var id string
		err := tx.QueryRow(ctx, `INSERT INTO billing.fee_runs
			(district_id, school_id, run_id, request_id, term_id, period_kind, period_start, period_end, status, inputs, inputs_hash, request_hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'issued', '{}', '', $9)
			ON CONFLICT (district_id, request_id) DO NOTHING RETURNING run_id`,
			run.DistrictID, run.SchoolID, run.ID, run.RequestID, run.TermID, string(run.PeriodKind), dateArg(run.From), dateArg(run.To), run.RequestHash).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // a run with this request id exists
		}
		if err != nil {
			return interpretError(err, "fee run")
		}
		res, err := produce(ctx, &runWriter{tx: tx, districtID: run.DistrictID})
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE billing.fee_runs SET inputs = $3, inputs_hash = $4, statement_count = $5,
			adjustment_count = $6, unchanged_count = $7, parent_total = $8 WHERE district_id = $1 AND run_id = $2`,
			run.DistrictID, run.ID, []byte(res.Inputs), res.InputsHash, res.Statements, res.Adjustments, res.Unchanged, res.ParentTotal)
		if err != nil {
			return interpretError(err, "fee run")
		}
		created = true
		return nil
	})
	if err != nil {
		return runs.Run{}, false, err
	}
	if created {
		r, err := s.GetRun(ctx, run.DistrictID, run.ID)
		return r, true, err
	}
	r, ok, err := s.RunByRequest(ctx, run.DistrictID, run.RequestID)
	if err == nil && !ok {
		err = fmt.Errorf("run for request %s vanished: %w", run.RequestID, errors.New("not found after conflict"))
	}
	return r, false, err
}

type runWriter struct {
	tx         pgx.Tx
	districtID string
	analyzed   bool
}

// analyzeIfNew gives the planner statistics for billing's bulk tables when
// they have (almost) none, after the run's first batch is written. Without
// them the planner cannot tell a unique key from any index that shares its
// leading columns, and picks, for every row's foreign-key check, an index
// that scans the whole school (statement_lines → statements; entries were
// the same until their row-level foreign key became the statement-level
// entries_have_postings check): a first city-sized run in a new database
// turns quadratic.
func (w *runWriter) analyzeIfNew(ctx context.Context) error {
	if w.analyzed {
		return nil
	}
	w.analyzed = true
	return analyzeIfSmall(ctx, w.tx, "analyze_run_tables", 10000, "billing.postings", "billing.statements")
}

// analyzeIfSmall runs the owner function fn (one of the ANALYZE functions
// of migrations 0010 and 0012) when the planner believes each of tables
// holds fewer than below rows. Shared by fee and pay runs. ANALYZE samples
// the rows this transaction has written and invalidates the cached plans.
func analyzeIfSmall(ctx context.Context, tx pgx.Tx, fn string, below float64, tables ...string) error {
	var small bool
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(reltuples), -1) < $2 FROM pg_class WHERE oid = ANY($1::regclass[])`,
		tables, below).Scan(&small); err != nil {
		return fmt.Errorf("table statistics: %w", err)
	}
	if !small {
		return nil
	}
	// Through the owner's function: billing's role owns no table, and ANALYZE
	// by anyone but the owner only warns and skips (migration 0010).
	if _, err := tx.Exec(ctx, `SELECT billing.`+fn+`()`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}

// LockPeriod takes a transaction advisory lock on the school and period.
func (w *runWriter) LockPeriod(ctx context.Context, schoolID, termID string, from, to civil.Date) error {
	_, err := w.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('billing.statements:' || $1 || ':' || $2 || ':' || $3 || ':' || $4 || ':' || $5, 0))`,
		w.districtID, schoolID, termID, from.String(), to.String())
	if err != nil {
		return fmt.Errorf("lock period: %w", err)
	}
	return nil
}

// Current returns the latest statement of each student of the school and period.
func (w *runWriter) Current(ctx context.Context, schoolID, termID string, from, to civil.Date) (map[string]statement.Current, error) {
	rows, err := w.tx.Query(ctx, `SELECT DISTINCT ON (student_id) student_id, statement_id, revision, content_hash
		FROM billing.statements
		WHERE district_id = $1 AND school_id = $2 AND term_id = $3 AND period_start = $4 AND period_end = $5
		ORDER BY student_id, revision DESC`, w.districtID, schoolID, termID, dateArg(from), dateArg(to))
	if err != nil {
		return nil, fmt.Errorf("current statements: %w", err)
	}
	defer rows.Close()
	out := map[string]statement.Current{}
	for rows.Next() {
		var student string
		var c statement.Current
		if err := rows.Scan(&student, &c.StatementID, &c.Revision, &c.ContentHash); err != nil {
			return nil, err
		}
		out[student] = c
	}
	return out, rows.Err()
}

// Effective sums the lines of every statement of a student and period.
func (w *runWriter) Effective(ctx context.Context, schoolID, studentID, termID string, from, to civil.Date) ([]statement.Line, error) {
	sts, err := readStatements(ctx, w.tx, `WHERE s.district_id = $1 AND s.school_id = $2 AND s.student_id = $3 AND s.term_id = $4
		AND s.period_start = $5 AND s.period_end = $6`, w.districtID, schoolID, studentID, termID, dateArg(from), dateArg(to))
	if err != nil {
		return nil, err
	}
	groups := make([][]statement.Line, len(sts))
	for i, s := range sts {
		groups[i] = s.Lines
	}
	return statement.SumLines(groups...), nil
}

// Write appends statements, their lines and their postings with COPY.
func (w *runWriter) Write(ctx context.Context, sts []statement.Issued, postings []ledger.Posting) error {
	if len(sts) == 0 {
		if err := InsertPostings(ctx, w.tx, postings); err != nil {
			return err
		}
		return w.analyzeIfNew(ctx)
	}
	_, err := w.tx.CopyFrom(ctx, pgx.Identifier{"billing", "statements"},
		[]string{"district_id", "school_id", "statement_id", "run_id", "student_id", "term_id", "period_start", "period_end",
			"kind", "corrects_statement_id", "parent_amount", "total_amount", "issued_at", "schedule_id", "schedule_version",
			"document_no", "period_kind", "totals", "content_hash", "revision"},
		pgx.CopyFromSlice(len(sts), func(i int) ([]any, error) {
			s := &sts[i]
			totals := appendTotals(make([]byte, 0, 160), s.Totals)
			var corrects any
			if s.Corrects != "" {
				corrects = s.Corrects
			}
			return []any{s.DistrictID, s.SchoolID, s.StatementID, s.RunID, s.StudentID, s.TermID, dateArg(s.From), dateArg(s.To),
				s.Kind, corrects, s.Totals.Parent, s.Totals.Net, s.IssuedAt, s.Schedule.ScheduleID, int32(s.Schedule.Version),
				s.Schedule.DocumentNo, string(s.PeriodKind), totals, s.ContentHash, int32(s.Revision)}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy statements: %w", interpretError(err, "statements"))
	}
	n := 0
	for i := range sts {
		n += len(sts[i].Lines)
	}
	rows := make([][]any, 0, n)
	// The lines' jsonb values are cut from one growing buffer: a slice keeps
	// its bytes when a later append moves the buffer.
	buf := make([]byte, 0, 64<<10)
	cut := func(start int) []byte { return buf[start:len(buf):len(buf)] }
	for i := range sts {
		s := &sts[i]
		for j, l := range s.Lines {
			start := len(buf)
			buf = appendAdjustments(buf, l.Adjustments)
			adj := cut(start)
			start = len(buf)
			buf = appendShares(buf, l.Subsidies)
			subs := cut(start)
			start = len(buf)
			buf = appendShares(buf, l.Waivers)
			wv := cut(start)
			start = len(buf)
			buf = appendDetail(buf, l.Detail)
			detail := cut(start)
			rows = append(rows, []any{s.DistrictID, s.SchoolID, s.StatementID, int32(j + 1), l.LineType, l.RuleID, l.DocumentNo,
				l.Name, l.ServiceKind, l.Unit, l.Quantity, l.UnitRate, l.Gross, adj, l.Net, subs, wv, l.Parent, l.ProviderID, detail})
		}
	}
	_, err = w.tx.CopyFrom(ctx, pgx.Identifier{"billing", "statement_lines"},
		[]string{"district_id", "school_id", "statement_id", "line_no", "line_type", "rule_id", "document_no", "name",
			"service_kind", "unit", "quantity", "unit_rate", "gross", "adjustments", "net", "subsidies", "waivers", "parent", "provider_id", "detail"},
		pgx.CopyFromRows(rows))
	if err != nil {
		return fmt.Errorf("copy statement lines: %w", interpretError(err, "statement lines"))
	}
	if err := InsertPostings(ctx, w.tx, postings); err != nil {
		return err
	}
	return w.analyzeIfNew(ctx)
}

type rowsQuerier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// The joins readStatementsJoin takes: the statements' lines, or none.
const (
	withLines = `LEFT JOIN billing.statement_lines l USING (district_id, school_id, statement_id)`
	noLines   = `LEFT JOIN billing.statement_lines l ON false`
)

// readStatements reads statements (filtered by where on alias s) with their lines, in issue order.
func readStatements(ctx context.Context, q rowsQuerier, where string, args ...any) ([]statement.Issued, error) {
	return readStatementsJoin(ctx, q, withLines, where, args...)
}

func readStatementsJoin(ctx context.Context, q rowsQuerier, join, where string, args ...any) ([]statement.Issued, error) {
	rows, err := q.Query(ctx, `SELECT s.district_id, s.school_id, s.statement_id, s.run_id, s.student_id, s.term_id, s.period_kind,
			s.period_start, s.period_end, s.kind, coalesce(s.corrects_statement_id, ''), s.revision, s.schedule_id, s.schedule_version,
			s.document_no, s.totals, s.content_hash, s.issued_at, s.parent_amount, s.total_amount,
			l.line_no, l.line_type, l.rule_id, l.document_no, l.name, l.service_kind, l.unit, l.quantity, l.unit_rate, l.gross,
			l.adjustments, l.net, l.subsidies, l.waivers, l.parent, l.provider_id, l.detail
		FROM billing.statements s
		`+join+` `+where+`
		ORDER BY s.period_start, s.revision, s.statement_id, l.line_no`, args...)
	if err != nil {
		return nil, fmt.Errorf("read statements: %w", err)
	}
	defer rows.Close()
	// One set of destinations for every row (each Scan writes all of them;
	// the jsonb targets start from zero): locals handed to Scan escape, and
	// per row they were two dozen allocations. The LEFT JOIN's line columns
	// are NULL only when a statement has no line.
	var (
		s                                   statement.Issued
		kind                                string
		from, to, issued                    time.Time
		version, revision                   int32
		totals                              pgtype.DriverBytes // pgx's buffer, valid until the next row
		lineNo                              pgtype.Int4
		lt, rule, doc, name, sk, unit, prov pgtype.Text
		qty, rate, gross, net, parent       pgdb.NullDecimal
		l                                   statement.Line
	)
	dst := []any{&s.DistrictID, &s.SchoolID, &s.StatementID, &s.RunID, &s.StudentID, &s.TermID, &kind, &from, &to,
		&s.Kind, &s.Corrects, &revision, &s.Schedule.ScheduleID, &version, &s.Schedule.DocumentNo, &totals, &s.ContentHash, &issued,
		(*pgdb.Decimal)(&s.ParentAmount), (*pgdb.Decimal)(&s.TotalAmount),
		&lineNo, &lt, &rule, &doc, &name, &sk, &unit, &qty, &rate, &gross, (*adjustmentsJSON)(&l.Adjustments), &net,
		(*sharesJSON)(&l.Subsidies), (*sharesJSON)(&l.Waivers), &parent, &prov, (*detailJSON)(&l.Detail)}
	// A statement's columns repeat on each of its lines: after its first
	// row only the line's are scanned (pgx skips a nil destination).
	const statementColumns, statementIDColumn = 20, 2
	lineDst := slices.Clone(dst)
	clear(lineDst[:statementColumns])
	var out []statement.Issued
	for rows.Next() {
		first := len(out) == 0 || string(rows.RawValues()[statementIDColumn]) != out[len(out)-1].StatementID
		scan := lineDst
		if first {
			scan = dst
		}
		if err := rows.Scan(scan...); err != nil {
			return nil, err
		}
		if first {
			s.PeriodKind, s.From, s.To, s.IssuedAt = fee.PeriodKind(kind), feeDate(&from), feeDate(&to), issued
			s.Revision, s.Schedule.Version = int(revision), int(version)
			// Once per statement, not per line; new maps, so the
			// statement appended before keeps its own.
			if err := (*totalsJSON)(&s.Totals).ScanBytes(totals); err != nil {
				return nil, fmt.Errorf("decode totals: %w", err)
			}
			out = append(out, s)
		}
		if !lineNo.Valid {
			continue
		}
		l.LineType, l.RuleID, l.DocumentNo, l.Name, l.ServiceKind, l.Unit = lt.String, rule.String, doc.String, name.String, sk.String, unit.String
		l.ProviderID = prov.String
		l.Quantity, l.UnitRate, l.Gross, l.Net, l.Parent = qty.Decimal, rate.Decimal, gross.Decimal, net.Decimal, parent.Decimal
		last := &out[len(out)-1]
		last.Lines = append(last.Lines, l)
	}
	return out, rows.Err()
}

// StudentStatements returns a student's statements of a term.
func (s *Store) StudentStatements(ctx context.Context, districtID, schoolID, studentID, termID string) ([]statement.Issued, error) {
	return readStatements(ctx, s.db, `WHERE s.district_id = $1 AND s.school_id = $2 AND s.student_id = $3 AND s.term_id = $4`,
		districtID, schoolID, studentID, termID)
}

// Claims sums statements per payer.
func (s *Store) Claims(ctx context.Context, districtID, schoolID string, from, to civil.Date) (statement.Claims, error) {
	c := statement.Claims{Subsidies: map[string]decimal.Decimal{}, Waivers: map[string]decimal.Decimal{}}
	const filter = `district_id = $1 AND ($2 = '' OR school_id = $2) AND period_start >= $3 AND period_end <= $4`
	err := s.db.QueryRow(ctx, `SELECT count(*), coalesce(sum(parent_amount), 0)::numeric(14,2) FROM billing.statements WHERE `+filter,
		districtID, schoolID, dateArg(from), dateArg(to)).Scan(&c.Statements, &c.Parent)
	if err != nil {
		return statement.Claims{}, fmt.Errorf("claims: %w", err)
	}
	rows, err := s.db.Query(ctx, `SELECT 'subsidies', key, sum(value::numeric)::numeric(14,2)
			FROM billing.statements, jsonb_each_text(coalesce(totals->'subsidies', '{}')) WHERE `+filter+` GROUP BY key
		UNION ALL SELECT 'waivers', key, sum(value::numeric)::numeric(14,2)
			FROM billing.statements, jsonb_each_text(coalesce(totals->'waivers', '{}')) WHERE `+filter+` GROUP BY key`,
		districtID, schoolID, dateArg(from), dateArg(to))
	if err != nil {
		return statement.Claims{}, fmt.Errorf("claims: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var kind, payer string
		var amt decimal.Decimal
		if err := rows.Scan(&kind, &payer, &amt); err != nil {
			return statement.Claims{}, err
		}
		if kind == "subsidies" {
			c.Subsidies[payer] = amt
		} else {
			c.Waivers[payer] = amt
		}
	}
	return c, rows.Err()
}

// WriteInputs stores one school's inputs snapshot of the run (append-only).
func (w *runWriter) WriteInputs(ctx context.Context, in runs.Inputs) error {
	_, err := w.tx.Exec(ctx, `INSERT INTO billing.run_inputs
		(district_id, school_id, run_id, run_school_id, term_id, period_start, period_end, students, inputs_sha256, inputs)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		w.districtID, in.SchoolID, in.RunID, in.RunSchoolID, in.TermID, dateArg(in.From), dateArg(in.To), int32(in.Students), in.SHA256, in.Data)
	if err != nil {
		return fmt.Errorf("store run inputs: %w", interpretError(err, "run inputs"))
	}
	return nil
}

// RunInputs calls fn with each school's inputs snapshot of a run, one row
// read at a time, in bytewise school-id order (COLLATE "C", the order the
// run hashed them in).
func (s *Store) RunInputs(ctx context.Context, districtID, runID string, fn func(runs.Inputs) error) error {
	// Rows are read one by one (keyset on school_id) so that a city's
	// snapshot is never in memory whole and fn may query the pool.
	after := ""
	for {
		var in runs.Inputs
		var from, to time.Time
		var students int32
		err := s.db.QueryRow(ctx, `SELECT district_id, school_id, run_id, run_school_id, term_id, period_start, period_end,
				students, inputs_sha256, inputs
			FROM billing.run_inputs WHERE district_id = $1 AND run_id = $2 AND school_id COLLATE "C" > $3
			ORDER BY school_id COLLATE "C" LIMIT 1`, districtID, runID, after).
			Scan(&in.DistrictID, &in.SchoolID, &in.RunID, &in.RunSchoolID, &in.TermID, &from, &to, &students, &in.SHA256, &in.Data)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("run inputs: %w", err)
		}
		in.From, in.To, in.Students = feeDate(&from), feeDate(&to), int(students)
		if err := fn(in); err != nil {
			return err
		}
		after = in.SchoolID
	}
}

// PeriodStatements returns a school's statements of a term and period issued
// by runs created no later than runID (with runID's own).
//
// A replay usually follows a run closely, when the only statistics are those
// the run took after its first batch (analyzeIfNew): the planner then
// believes a school has one statement and joined its lines as a nested loop
// over all the school's lines per statement (544 ms a school of 1,000; 71 s
// to verify a 300,000-student run). So the lines are read by primary key in
// a second query, in a read-only transaction with sequential scans
// discouraged.
func (s *Store) PeriodStatements(ctx context.Context, districtID, schoolID, termID string, from, to civil.Date, runID string) ([]statement.Issued, error) {
	var out []statement.Issued
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET TRANSACTION READ ONLY; SET LOCAL enable_seqscan = off`); err != nil {
			return fmt.Errorf("period statements: %w", err)
		}
		var err error
		out, err = periodStatements(ctx, tx, districtID, schoolID, termID, from, to, runID)
		return err
	})
	return out, err
}

func periodStatements(ctx context.Context, q rowsQuerier, districtID, schoolID, termID string, from, to civil.Date, runID string) ([]statement.Issued, error) {
	// Statements first (no lines: the planner's join of a school's lines
	// with stale statistics was a nested loop over the school's lines per
	// statement, 544 ms for 1,000 students), then their lines by primary key.
	sts, err := readStatementsJoin(ctx, q, noLines, `WHERE s.district_id = $1 AND s.school_id = $2 AND s.term_id = $3
		AND s.period_start = $4 AND s.period_end = $5
		AND s.run_id IN (SELECT r.run_id FROM billing.fee_runs r WHERE r.district_id = $1 AND r.create_time <=
			(SELECT max(t.create_time) FROM billing.fee_runs t WHERE t.district_id = $1 AND t.run_id = $6))`,
		districtID, schoolID, termID, dateArg(from), dateArg(to), runID)
	if err != nil || len(sts) == 0 {
		return sts, err
	}
	ids := make([]string, len(sts))
	index := make(map[string]int, len(sts))
	for i, st := range sts {
		ids[i], index[st.StatementID] = st.StatementID, i
	}
	rows, err := q.Query(ctx, `SELECT statement_id, line_type, rule_id, document_no, name, service_kind, unit, quantity, unit_rate, gross,
			adjustments, net, subsidies, waivers, parent, provider_id, detail
		FROM billing.statement_lines WHERE district_id = $1 AND school_id = $2 AND statement_id = ANY($3::text[])
		ORDER BY statement_id, line_no`, districtID, schoolID, ids)
	if err != nil {
		return nil, fmt.Errorf("statement lines: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var l statement.Line
		if err := rows.Scan(&id, &l.LineType, &l.RuleID, &l.DocumentNo, &l.Name, &l.ServiceKind, &l.Unit,
			(*pgdb.Decimal)(&l.Quantity), (*pgdb.Decimal)(&l.UnitRate), (*pgdb.Decimal)(&l.Gross),
			(*adjustmentsJSON)(&l.Adjustments), (*pgdb.Decimal)(&l.Net), (*sharesJSON)(&l.Subsidies), (*sharesJSON)(&l.Waivers),
			(*pgdb.Decimal)(&l.Parent), &l.ProviderID, (*detailJSON)(&l.Detail)); err != nil {
			return nil, fmt.Errorf("statement lines: %w", err)
		}
		st := &sts[index[id]]
		st.Lines = append(st.Lines, l)
	}
	return sts, rows.Err()
}
