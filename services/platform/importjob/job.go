package importjob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/kehou/kehou/services/platform/audit"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/pgdb"
)

// DB is a pool.
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Store keeps the jobs in one service's import_jobs table (each service
// owns its schema; the table's shape is the same in each: see
// migrations/timetable/0005_imports.sql and 0006_import_jobs_running.sql,
// whose unique index import_jobs_one_running refuses a second running
// import of a school and kind, and whose audit_log takes operation
// 'import' for the event an applied import records).
type Store struct {
	db     DB
	schema string
	table  string
}

// NewStore returns the jobs of schema.import_jobs.
func NewStore(db DB, schema string) *Store {
	return &Store{db: db, schema: schema, table: pgx.Identifier{schema, "import_jobs"}.Sanitize()}
}

// Interrupted is the failure of a job the service stopped under.
const (
	Interrupted   = "interrupted by shutdown; nothing was written"
	InterruptedZh = "服务停止，导入中断；未写入任何数据"
)

// Create records a new running job.
func (s *Store) Create(ctx context.Context, j Job) error {
	_, err := s.db.Exec(ctx, `INSERT INTO `+s.table+` (district_id, school_id, import_id, kind, dry_run,
		file_name, state, created_by, create_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		j.DistrictID, j.SchoolID, j.ID, j.Kind, j.DryRun, j.FileName, j.State, j.CreatedBy, j.CreateTime)
	var pe *pgconn.PgError
	// The id is fresh, so a unique violation is import_jobs_one_running.
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("an import of %s is already running for this school: wait for it to end, then upload again "+
			"(本校已有一个%s导入正在进行，请等它结束后再上传): %w", j.Kind, j.Kind, fault.ErrConflict)
	}
	if errors.As(err, &pe) && pe.Code == "23503" {
		return fmt.Errorf("no such school: %w", fault.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("create import %s: %w", j.ID, err)
	}
	return nil
}

// SetProgress moves a running job's percent.
func (s *Store) SetProgress(ctx context.Context, sc Scope, id string, percent int) error {
	_, err := s.db.Exec(ctx, `UPDATE `+s.table+` SET percent = $4
		WHERE district_id = $1 AND school_id = $2 AND import_id = $3 AND state = 'running'`, sc.DistrictID, sc.SchoolID, id, percent)
	if err != nil {
		return fmt.Errorf("import %s progress: %w", id, err)
	}
	return nil
}

// Finish ends a running job in state with its report. An applied import
// also leaves its own audit event (operation 'import', object the job: who
// from ctx's caller, the file's name, the kind and the counts), in the
// same transaction.
func (s *Store) Finish(ctx context.Context, j Job, state string, rep Report) error {
	b, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	err = pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE `+s.table+` SET state = $4, percent = 100, report = $5, finish_time = now()
			WHERE district_id = $1 AND school_id = $2 AND import_id = $3 AND state = 'running'`, j.DistrictID, j.SchoolID, j.ID, state, b)
		if err != nil || tag.RowsAffected() == 0 || state != Succeeded || !rep.Applied {
			return err
		}
		ev, err := json.Marshal(map[string]any{"import_id": j.ID, "kind": j.Kind, "file_name": j.FileName, "rows": rep.Rows,
			"new": rep.New, "changed": rep.Changed, "unchanged": rep.Unchanged, "encoding": rep.Encoding})
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, s.schema, audit.Event{DistrictID: j.DistrictID, SchoolID: j.SchoolID,
			Operation: "import", ObjectKind: "import_" + j.Kind, ObjectID: j.ID, After: ev})
	})
	if err != nil {
		return fmt.Errorf("finish import %s: %w", j.ID, err)
	}
	return nil
}

// FailRunning ends the scope's running jobs of ids (all of the table's when
// ids is nil: what a crashed service left) as failed, interrupted; it
// returns how many there were.
func (s *Store) FailRunning(ctx context.Context, ids []string) (int64, error) {
	b, err := json.Marshal(Report{Failure: Interrupted, FailureZh: InterruptedZh})
	if err != nil {
		return 0, err
	}
	tag, err := s.db.Exec(ctx, `UPDATE `+s.table+` SET state = 'failed', percent = 100, report = $2, finish_time = now()
		WHERE state = 'running' AND ($1::text[] IS NULL OR import_id = ANY ($1))`, ids, b)
	if err != nil {
		return 0, fmt.Errorf("fail interrupted imports: %w", err)
	}
	return tag.RowsAffected(), nil
}

// Get reads one job of the scope.
func (s *Store) Get(ctx context.Context, sc Scope, id string) (Job, error) {
	j := Job{Scope: sc}
	var rep []byte
	var finish *time.Time
	err := s.db.QueryRow(ctx, `SELECT import_id, kind, dry_run, file_name, state, percent, report, created_by, create_time, finish_time
		FROM `+s.table+` WHERE district_id = $1 AND school_id = $2 AND import_id = $3`, sc.DistrictID, sc.SchoolID, id).
		Scan(&j.ID, &j.Kind, &j.DryRun, &j.FileName, &j.State, &j.Percent, &rep, &j.CreatedBy, &j.CreateTime, &finish)
	if errors.Is(err, pgx.ErrNoRows) {
		return j, fmt.Errorf("import %s: %w", id, fault.ErrNotFound)
	}
	if err != nil {
		return j, fmt.Errorf("import %s: %w", id, err)
	}
	if finish != nil {
		j.FinishTime = *finish
	}
	if rep != nil {
		j.Report = &Report{}
		if err := json.Unmarshal(rep, j.Report); err != nil {
			return j, fmt.Errorf("decode report: %w", err)
		}
	}
	return j, nil
}
