package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/billing/domain/recon"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/pgdb"
)

const shareLimitCols = `district_id, school_id, version, labour_share, management_share, effective_from, document_no, note,
	request_id, fingerprint`

func scanShareLimits(r pgx.Row) (recon.Setting, error) {
	var s recon.Setting
	var from time.Time
	err := r.Scan(&s.DistrictID, &s.SchoolID, &s.Version, &s.Limits.LabourShare, &s.Limits.ManagementShare, &from,
		&s.DocumentNo, &s.Note, &s.RequestID, &s.Fingerprint)
	s.EffectiveFrom = civil.Of(from)
	return s, err
}

// PutShareLimits implements app.ReconStore: the scope's next version, or
// the version an earlier request with the same id wrote (replayed).
func (s *Store) PutShareLimits(ctx context.Context, set recon.Setting) (recon.Setting, bool, error) {
	var out recon.Setting
	replayed := false
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "billing/share_limits/"+set.DistrictID); err != nil {
			return interpretError(err, "share limits lock")
		}
		old, err := scanShareLimits(tx.QueryRow(ctx, `SELECT `+shareLimitCols+` FROM billing.share_limits
			WHERE district_id = $1 AND request_id = $2`, set.DistrictID, set.RequestID))
		if ok, err := found(err); err != nil || ok {
			out, replayed = old, ok
			return interpretError(err, "share limits")
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) + 1 FROM billing.share_limits WHERE district_id = $1 AND school_id = $2`,
			set.DistrictID, set.SchoolID).Scan(&set.Version); err != nil {
			return interpretError(err, "share limits")
		}
		_, err = tx.Exec(ctx, `INSERT INTO billing.share_limits (district_id, school_id, version, labour_share, management_share,
			effective_from, document_no, note, request_id, fingerprint) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			set.DistrictID, set.SchoolID, set.Version, set.Limits.LabourShare, set.Limits.ManagementShare, pgDate(set.EffectiveFrom),
			set.DocumentNo, set.Note, set.RequestID, set.Fingerprint)
		out = set
		return interpretError(err, "share limits")
	})
	return out, replayed, err
}

// ShareLimitsInForce implements app.ReconStore: the school's version in
// force on day (the latest effective by then, the last written of a day),
// else the district's; ok is false when neither has one.
func (s *Store) ShareLimitsInForce(ctx context.Context, districtID, schoolID string, day civil.Date) (recon.Setting, bool, error) {
	set, err := scanShareLimits(s.db.QueryRow(ctx, `SELECT `+shareLimitCols+` FROM billing.share_limits
		WHERE district_id = $1 AND school_id IN ($2, '') AND effective_from <= $3
		ORDER BY school_id = '', effective_from DESC, version DESC LIMIT 1`, districtID, schoolID, pgDate(day)))
	ok, err := found(err)
	return set, ok, interpretError(err, "share limits")
}

// ShareLimitVersions implements app.ReconStore: every version of one
// scope (the district's when schoolID is empty), newest first.
func (s *Store) ShareLimitVersions(ctx context.Context, districtID, schoolID string) ([]recon.Setting, error) {
	rows, err := s.db.Query(ctx, `SELECT `+shareLimitCols+` FROM billing.share_limits
		WHERE district_id = $1 AND school_id = $2 ORDER BY version DESC`, districtID, schoolID)
	if err != nil {
		return nil, interpretError(err, "share limits")
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (recon.Setting, error) { return scanShareLimits(r) })
	return out, interpretError(err, "share limits")
}
