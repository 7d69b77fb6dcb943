package app

import (
	"context"
	"slices"
	"strings"

	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/runs"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
)

// RunRequest asks for a fee run.
type RunRequest struct {
	DistrictID string
	RequestID  string
	// SchoolID empty runs every school of the district.
	SchoolID   string
	TermID     string
	PeriodKind fee.PeriodKind
	// Month is any day of the billed month (month runs).
	Month civil.Date
	// On is a day inside the term; it picks each school's term when TermID is empty.
	On civil.Date
}

func (f *Fees) validateRun(req RunRequest) error {
	var c fault.Collector
	c.Check(req.DistrictID != "", "district_id", "is required")
	switch req.PeriodKind {
	case fee.TermPeriod:
	case fee.MonthPeriod:
		c.Check(!req.Month.IsZero(), "month", "is required for a month run, as YYYY-MM")
	default:
		c.Add("period_kind", "must be term or month")
	}
	if req.SchoolID != "" {
		c.Check(req.TermID != "", "term_id", "is required for a school run")
	} else if req.TermID == "" {
		c.Check(!req.On.IsZero() || !req.Month.IsZero(), "on", "a district run needs a day inside the term (or a month)")
	}
	return c.Err()
}

// CreateRun computes and issues a fee run, idempotently by request id and
// atomically: the run, its statements, lines and postings are committed
// together or not at all.
func (f *Fees) CreateRun(ctx context.Context, req RunRequest) (runs.Run, error) {
	req.RequestID = strings.TrimSpace(req.RequestID)
	if err := f.validateRun(req); err != nil {
		return runs.Run{}, err
	}
	if req.RequestID == "" {
		return runs.Run{}, fault.Invalid("request_id", "is required: it makes the run idempotent")
	}
	key := req.DistrictID + "\x00" + req.RequestID
	r, shared, err := f.flight.Do(ctx, key, func(ctx context.Context) (runs.Run, error) { return f.createRun(ctx, req) })
	if err != nil || !shared {
		return r, err
	}
	return sameRequest(r, runs.RequestHash(req))
}

func (f *Fees) createRun(ctx context.Context, req RunRequest) (runs.Run, error) {
	rh := runs.RequestHash(req)
	if r, ok, err := f.store.RunByRequest(ctx, req.DistrictID, req.RequestID); err != nil {
		return runs.Run{}, err
	} else if ok {
		return sameRequest(r, rh)
	}
	schools, err := f.schools(ctx, req)
	if err != nil {
		return runs.Run{}, err
	}
	run := runs.Run{ID: runs.NewID("run"), RequestID: req.RequestID, DistrictID: req.DistrictID, SchoolID: req.SchoolID,
		TermID: req.TermID, PeriodKind: req.PeriodKind, Status: "issued", RequestHash: rh}
	issuedAt := f.now().UTC()
	if run.From, run.To, err = f.runPeriod(ctx, req, schools); err != nil {
		return runs.Run{}, err
	}
	got, created, err := f.store.IssueRun(ctx, run, func(ctx context.Context, w runs.Writer) (runs.Result, error) {
		return f.produce(ctx, req, run, schools, issuedAt, w)
	})
	if err != nil {
		return runs.Run{}, err
	}
	if !created {
		return sameRequest(got, rh)
	}
	return got, nil
}

// sameRequest returns an existing run, unless the request id was reused for a different request.
func sameRequest(r runs.Run, rh string) (runs.Run, error) {
	if err := runs.SameRequest(r.ID, r.RequestID, r.RequestHash, rh); err != nil {
		return runs.Run{}, err
	}
	return r, nil
}

// runPeriod gives the run's period as recorded on the run: for a school run
// its term or month; for a district run the month, or the term of the first school.
func (f *Fees) runPeriod(ctx context.Context, req RunRequest, schools []facts.School) (civil.Date, civil.Date, error) {
	if len(schools) == 0 {
		return civil.Date{}, civil.Date{}, fault.Precondition("district " + req.DistrictID + " has no schools")
	}
	term, err := f.term(ctx, schools[0].ID, req.TermID, f.termDay(req))
	if err != nil {
		return civil.Date{}, civil.Date{}, err
	}
	return periodFor(term, req.PeriodKind, req.Month)
}

func (f *Fees) termDay(req RunRequest) civil.Date {
	if !req.On.IsZero() {
		return req.On
	}
	return req.Month
}

// schools lists the schools of a run, sorted by id.
func (f *Fees) schools(ctx context.Context, req RunRequest) ([]facts.School, error) {
	if req.SchoolID != "" {
		sc, err := f.feed.School(ctx, req.SchoolID)
		if err != nil {
			return nil, err
		}
		if sc.DistrictID != req.DistrictID {
			return nil, fault.Invalid("school_id", "school "+req.SchoolID+" is not in district "+req.DistrictID)
		}
		return []facts.School{sc}, nil
	}
	all, err := f.feed.Schools(ctx, req.DistrictID)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b facts.School) int { return strings.Compare(a.ID, b.ID) })
	return all, nil
}

// GetRun returns a run.
func (f *Fees) GetRun(ctx context.Context, districtID, runID string) (runs.Run, error) {
	return f.store.GetRun(ctx, districtID, runID)
}

// RunListLimit bounds a run list: a district's runs of a few years.
const RunListLimit = 200

// ListRuns lists a district's runs, newest first (RunListLimit at most).
func (f *Fees) ListRuns(ctx context.Context, districtID, schoolID, termID string) ([]runs.Run, error) {
	if err := f.CheckDistrict(ctx, districtID); err != nil {
		return nil, err
	}
	return f.store.ListRuns(ctx, districtID, schoolID, termID, RunListLimit)
}
