package importjob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/kehou/kehou/services/platform/fault"
)

// DB is a pool (or a connection).
type DB interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Store keeps the jobs in one service's import_jobs table (each service
// owns its schema; the table's shape is the same in each, see
// migrations/timetable/0005_imports.sql).
type Store struct {
	db    DB
	table string
}

// NewStore returns the jobs of schema.import_jobs.
func NewStore(db DB, schema string) *Store {
	return &Store{db: db, table: pgx.Identifier{schema, "import_jobs"}.Sanitize()}
}

// Create records a new running job.
func (s *Store) Create(ctx context.Context, j Job) error {
	_, err := s.db.Exec(ctx, `INSERT INTO `+s.table+` (district_id, school_id, import_id, kind, dry_run,
		file_name, state, created_by, create_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		j.DistrictID, j.SchoolID, j.ID, j.Kind, j.DryRun, j.FileName, j.State, j.CreatedBy, j.CreateTime)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" && pe.ConstraintName == "import_jobs_one_running" {
		return fmt.Errorf("an import of %s is already running here: wait for it to end (已有同类导入正在进行，请等待其结束): %w", j.Kind, fault.ErrConflict)
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

// Finish ends a running job in state with its report.
func (s *Store) Finish(ctx context.Context, sc Scope, id, state string, rep Report) error {
	b, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	_, err = s.db.Exec(ctx, `UPDATE `+s.table+` SET state = $4, percent = 100, report = $5, finish_time = now()
		WHERE district_id = $1 AND school_id = $2 AND import_id = $3 AND state = 'running'`, sc.DistrictID, sc.SchoolID, id, state, b)
	if err != nil {
		return fmt.Errorf("finish import %s: %w", id, err)
	}
	return nil
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
