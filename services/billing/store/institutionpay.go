package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kehou/kehou/services/billing/domain/institution"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/payrun"
	"github.com/kehou/kehou/services/platform/pgdb"
	"github.com/shopspring/decimal"
)

// monthDays is the first and last day of a month.
func monthDays(year, month int) (time.Time, time.Time) {
	from := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
	return from, from.AddDate(0, 1, -1)
}

// institutionOwed is, per school of the district, what it still owes the
// institution for the month: each instructor's labour (statements' paid
// less disbursement lines, as PayMonth reckons it) and the fees collected
// on the institution's behalf in the month less what was passed on.
func institutionOwed(ctx context.Context, q querier, districtID, institutionID string, year, month int) ([]institution.SchoolPayment, error) {
	rows, err := q.Query(ctx, `SELECT s.school_id, s.staff_id, sum(s.paid) - coalesce((SELECT sum(l.amount)
			FROM billing.pay_disbursement_lines l JOIN billing.pay_disbursements p USING (district_id, school_id, disbursement_id)
			WHERE l.district_id = s.district_id AND l.school_id = s.school_id AND p.year = $3 AND p.month = $4 AND l.staff_id = s.staff_id), 0)
		FROM billing.pay_statements s
		WHERE s.district_id = $1 AND s.institution_id = $2 AND s.staff_kind = 'outside_instructor' AND s.year = $3 AND s.month = $4
		GROUP BY s.district_id, s.school_id, s.staff_id ORDER BY s.school_id, s.staff_id`, districtID, institutionID, year, month)
	if err != nil {
		return nil, interpretError(err, "institution labour owed")
	}
	bySchool := map[string]*institution.SchoolPayment{}
	var order []string
	school := func(id string) *institution.SchoolPayment {
		if bySchool[id] == nil {
			bySchool[id] = &institution.SchoolPayment{SchoolID: id, Labour: decimal.Zero, Collected: decimal.Zero}
			order = append(order, id)
		}
		return bySchool[id]
	}
	var sch, staff string
	var owed decimal.Decimal
	_, err = pgx.ForEachRow(rows, []any{&sch, &staff, &owed}, func() error {
		if !owed.IsZero() {
			sp := school(sch)
			sp.Staff = append(sp.Staff, payrun.StaffAmount{StaffID: staff, StaffKind: "outside_instructor", InstitutionID: institutionID, Amount: owed})
			sp.Labour = sp.Labour.Add(owed)
		}
		return nil
	})
	if err != nil {
		return nil, interpretError(err, "institution labour owed")
	}
	from, to := monthDays(year, month)
	// Billed in the month (by the charges' dates, as the settlement reads
	// them) less what earlier payments of this month's settlement passed on
	// (whatever their dates).
	rows, err = q.Query(ctx, `SELECT school_id, sum(v) FROM (
			SELECT e.school_id, -e.amount AS v
			FROM billing.entries e JOIN billing.postings p USING (district_id, school_id, posting_id)
			WHERE e.district_id = $1 AND e.account = $2 AND p.kind IN ('charge', 'adjustment') AND p.effective_date BETWEEN $3 AND $4
			UNION ALL
			SELECT ps.school_id, -ps.collected
			FROM billing.institution_payment_schools ps JOIN billing.institution_payments ip USING (district_id, payment_id)
			WHERE ip.district_id = $1 AND ip.institution_id = $5 AND ip.year = $6 AND ip.month = $7
		) m GROUP BY school_id ORDER BY school_id`, districtID, ledger.ProviderPayable(institutionID), from, to, institutionID, year, month)
	if err != nil {
		return nil, interpretError(err, "collected on behalf")
	}
	_, err = pgx.ForEachRow(rows, []any{&sch, &owed}, func() error {
		if owed.IsPositive() {
			school(sch).Collected = owed
		}
		return nil
	})
	if err != nil {
		return nil, interpretError(err, "collected on behalf")
	}
	out := make([]institution.SchoolPayment, 0, len(order))
	for _, id := range order {
		out = append(out, *bySchool[id])
	}
	// Schools in id order, so the month locks below are always taken in one order.
	sortSchools(out)
	return out, nil
}

func sortSchools(ps []institution.SchoolPayment) {
	slices.SortFunc(ps, func(a, b institution.SchoolPayment) int { return strings.Compare(a.SchoolID, b.SchoolID) })
}

// PayInstitution implements app.SettlementStore: under the institution
// month's lock and every school month's pay lock (in school order, as
// PayMonth takes one), it reads what is owed, lets fn check the payment
// and build each school's postings, and writes the payment, its schools,
// the labour disbursements and the postings together. A request id seen
// before returns the payment it wrote (replayed).
func (s *Store) PayInstitution(ctx context.Context, p institution.Payment, fn func(*institution.Payment) ([]ledger.Posting, error)) (institution.Payment, bool, error) {
	var out institution.Payment
	replayed := false
	err := pgdb.InTx(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
			fmt.Sprintf("billing/institution_pay/%s/%s/%04d-%02d", p.DistrictID, p.InstitutionID, p.Year, p.Month)); err != nil {
			return interpretError(err, "institution payment lock")
		}
		old, ok, err := institutionPayment(ctx, tx, p.DistrictID, p.RequestID)
		if err != nil || ok {
			out, replayed = old, ok
			return err
		}
		owed, err := institutionOwed(ctx, tx, p.DistrictID, p.InstitutionID, p.Year, p.Month)
		if err != nil {
			return err
		}
		for _, sp := range owed {
			if err := lockMonth(ctx, tx, p.DistrictID, sp.SchoolID, p.Year, p.Month); err != nil {
				return err
			}
		}
		// Read again under the school locks: a PayMonth may have paid meanwhile.
		if p.Schools, err = institutionOwed(ctx, tx, p.DistrictID, p.InstitutionID, p.Year, p.Month); err != nil {
			return err
		}
		posts, err := fn(&p)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO billing.institution_payments (district_id, payment_id, request_id, institution_id, year, month,
			channel, paid_on, amount, fingerprint) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			p.DistrictID, p.ID, p.RequestID, p.InstitutionID, p.Year, p.Month, p.Channel, p.PaidOn, p.Amount, p.Fingerprint); err != nil {
			return interpretError(err, "institution payment")
		}
		for _, sp := range p.Schools {
			if sp.DisbursementID != "" {
				if _, err := tx.Exec(ctx, `INSERT INTO billing.pay_disbursements (district_id, school_id, disbursement_id, request_id, year, month, channel, total)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, p.DistrictID, sp.SchoolID, sp.DisbursementID, "institution:"+p.ID+":"+sp.SchoolID,
					p.Year, p.Month, p.Channel, sp.Labour); err != nil {
					return interpretError(err, "pay disbursement")
				}
				for _, a := range sp.Staff {
					if _, err := tx.Exec(ctx, `INSERT INTO billing.pay_disbursement_lines (district_id, school_id, disbursement_id, staff_id, amount)
						VALUES ($1, $2, $3, $4, $5)`, p.DistrictID, sp.SchoolID, sp.DisbursementID, a.StaffID, a.Amount); err != nil {
						return interpretError(err, "pay disbursement")
					}
				}
			}
			if _, err := tx.Exec(ctx, `INSERT INTO billing.institution_payment_schools (district_id, payment_id, school_id, disbursement_id, labour, collected)
				VALUES ($1, $2, $3, $4, $5, $6)`, p.DistrictID, p.ID, sp.SchoolID, sp.DisbursementID, sp.Labour, sp.Collected); err != nil {
				return interpretError(err, "institution payment")
			}
		}
		out = p
		return InsertPostings(ctx, tx, posts)
	})
	return out, replayed, err
}

func institutionPayment(ctx context.Context, q querier, districtID, requestID string) (institution.Payment, bool, error) {
	var p institution.Payment
	err := q.QueryRow(ctx, `SELECT payment_id, request_id, district_id, institution_id, year, month, channel, paid_on, amount, fingerprint
		FROM billing.institution_payments WHERE district_id = $1 AND request_id = $2`, districtID, requestID).
		Scan(&p.ID, &p.RequestID, &p.DistrictID, &p.InstitutionID, &p.Year, &p.Month, &p.Channel, &p.PaidOn, &p.Amount, &p.Fingerprint)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, interpretError(err, "institution payment")
	}
	rows, err := q.Query(ctx, `SELECT school_id, disbursement_id, labour, collected FROM billing.institution_payment_schools
		WHERE district_id = $1 AND payment_id = $2 ORDER BY school_id`, districtID, p.ID)
	if err != nil {
		return p, false, interpretError(err, "institution payment")
	}
	p.Schools, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (institution.SchoolPayment, error) {
		var sp institution.SchoolPayment
		err := r.Scan(&sp.SchoolID, &sp.DisbursementID, &sp.Labour, &sp.Collected)
		return sp, err
	})
	return p, true, interpretError(err, "institution payment")
}

// InstitutionPaid implements app.SettlementStore: per school, what pay
// disbursements paid the institution's instructors for the month, and
// what payments of the month's settlement passed on of the fees collected
// on its behalf.
func (s *Store) InstitutionPaid(ctx context.Context, districtID, institutionID string, year, month int) (map[string]institution.Paid, error) {
	rows, err := s.db.Query(ctx, `SELECT l.school_id, sum(l.amount)
		FROM billing.pay_disbursement_lines l JOIN billing.pay_disbursements d USING (district_id, school_id, disbursement_id)
		WHERE l.district_id = $1 AND d.year = $3 AND d.month = $4 AND l.staff_id IN (SELECT s.staff_id FROM billing.pay_statements s
			WHERE s.district_id = $1 AND s.school_id = l.school_id AND s.institution_id = $2 AND s.staff_kind = 'outside_instructor'
				AND s.year = $3 AND s.month = $4)
		GROUP BY l.school_id`, districtID, institutionID, year, month)
	if err != nil {
		return nil, interpretError(err, "institution labour paid")
	}
	out := map[string]institution.Paid{}
	var sch string
	var v decimal.Decimal
	_, err = pgx.ForEachRow(rows, []any{&sch, &v}, func() error {
		p := out[sch]
		p.Labour = v
		out[sch] = p
		return nil
	})
	if err != nil {
		return nil, interpretError(err, "institution labour paid")
	}
	rows, err = s.db.Query(ctx, `SELECT ps.school_id, sum(ps.collected)
		FROM billing.institution_payment_schools ps JOIN billing.institution_payments ip USING (district_id, payment_id)
		WHERE ip.district_id = $1 AND ip.institution_id = $2 AND ip.year = $3 AND ip.month = $4 GROUP BY ps.school_id`,
		districtID, institutionID, year, month)
	if err != nil {
		return nil, interpretError(err, "institution payments")
	}
	_, err = pgx.ForEachRow(rows, []any{&sch, &v}, func() error {
		p := out[sch]
		p.Collected = v
		out[sch] = p
		return nil
	})
	return out, interpretError(err, "institution payments")
}
