package app

import (
	"context"
	"fmt"

	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// StudentStatements returns a student's statements of a term with every line
// and what the family owes on them together.
func (f *Fees) StudentStatements(ctx context.Context, schoolID, studentID, termID string) ([]statement.Issued, decimal.Decimal, error) {
	district, err := f.feed.SchoolDistrict(ctx, schoolID)
	if err != nil {
		return nil, decimal.Decimal{}, err
	}
	sts, err := f.store.StudentStatements(ctx, district, schoolID, studentID, termID)
	if err != nil {
		return nil, decimal.Decimal{}, err
	}
	total := decimal.New(0, -2)
	for _, s := range sts {
		total = total.Add(s.Totals.Parent)
	}
	return sts, total, nil
}

// Claims sums subsidy and waiver claims per payer from the statements of a
// district (or a school) whose periods lie within [from, to].
func (f *Fees) Claims(ctx context.Context, districtID, schoolID string, from, to civil.Date) (statement.Claims, error) {
	if to.Before(from) {
		return statement.Claims{}, fault.Invalid("to", "is before from")
	}
	return f.store.Claims(ctx, districtID, schoolID, from, to)
}

// Preview computes a run under a hypothetical schedule (candidate) beside the
// schedule in force, issuing nothing, and compares them per school and in total.
func (f *Fees) Preview(ctx context.Context, req RunRequest, candidate fee.Schedule) (fee.DiffReport, error) {
	req.RequestID = "preview"
	if err := f.validateRun(req); err != nil {
		return fee.DiffReport{}, err
	}
	schools, err := f.schools(ctx, req)
	if err != nil {
		return fee.DiffReport{}, err
	}
	// Statements are compared school by school, so memory holds one school's totals at a time;
	// the district total sums the schools' totals.
	var report fee.DiffReport
	var schoolBase, schoolCand []fee.Statement
	nb, nc := 0, 0
	for _, sc := range schools {
		var base, cand []fee.Statement
		in, err := f.schoolPlan(ctx, req, sc, nil)
		if err != nil {
			return fee.DiffReport{}, fmt.Errorf("school %s: %w", sc.ID, err)
		}
		c := candidate
		c.Scope = in.sched.Scope
		if c.ID == "" {
			c.ID = in.sched.ID + "-what-if"
		}
		if c.Version == 0 {
			c.Version = 1
		}
		if c.EffectiveFrom.IsZero() {
			c.EffectiveFrom, c.EffectiveTo = in.sched.EffectiveFrom, in.sched.EffectiveTo
		}
		if c.DocumentNo == "" {
			c.DocumentNo = "what-if"
		}
		if err := c.Validate(); err != nil {
			return fee.DiffReport{}, err
		}
		baseEngine, baseSched := in.engine, in.sched
		err = f.students(ctx, in, func(batch []fee.StudentFacts) error {
			for _, sf := range batch {
				st, err := baseEngine.Compute(sf)
				if err != nil {
					return err
				}
				base = append(base, st)
			}
			return nil
		})
		if err != nil {
			return fee.DiffReport{}, err
		}
		// Claims are split across the school's statements as a run splits them.
		if err := fee.CarryClaims(baseSched, base); err != nil {
			return fee.DiffReport{}, err
		}
		if err := in.setSchedule(c, in.cost); err != nil {
			return fee.DiffReport{}, err
		}
		err = f.students(ctx, in, func(batch []fee.StudentFacts) error {
			for _, sf := range batch {
				st, err := in.engine.Compute(sf)
				if err != nil {
					return err
				}
				cand = append(cand, st)
			}
			return nil
		})
		if err != nil {
			return fee.DiffReport{}, err
		}
		if err := fee.CarryClaims(c, cand); err != nil {
			return fee.DiffReport{}, err
		}
		rep := fee.Diff(base, cand)
		report.Schools = append(report.Schools, rep.Schools...)
		schoolBase = append(schoolBase, fee.Statement{SchoolID: sc.ID, Totals: rep.Total.Base})
		schoolCand = append(schoolCand, fee.Statement{SchoolID: sc.ID, Totals: rep.Total.Candidate})
		nb, nc = nb+rep.Total.BaseStatements, nc+rep.Total.CandidateStatements
	}
	report.Total = fee.Diff(schoolBase, schoolCand).Total
	report.Total.BaseStatements, report.Total.CandidateStatements = nb, nc
	return report, nil
}
