package app

import (
	"context"
	"errors"
	"time"

	"github.com/kehou/kehou/services/billing/app/runexec"
	"github.com/kehou/kehou/services/billing/domain/facts"
	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/runs"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// FeeStore is the storage the fee use cases need: schedules, cost sheets,
// runs and statements. Every method is scoped by district.
type FeeStore interface {
	// CreateSchedule stores s as the next version of its id after checking,
	// under a lock on the scope, that no other schedule of the scope
	// overlaps it (fee.CheckOverlap), and under the district's ceiling lock
	// that it prices within every binding ceiling for a school of
	// schoolCategory (fee.CheckCeilings). It returns the stored version.
	CreateSchedule(ctx context.Context, s fee.Schedule, schoolCategory string) (fee.Schedule, error)
	// CreateCeiling stores a price ceiling (最高限价) of a district.
	CreateCeiling(ctx context.Context, c fee.PriceCeiling) (fee.PriceCeiling, error)
	// ListCeilings returns a district's price ceilings by id.
	ListCeilings(ctx context.Context, districtID string) ([]fee.PriceCeiling, error)
	// GetSchedule returns a version (0: the latest).
	GetSchedule(ctx context.Context, districtID, scheduleID string, version int) (fee.Schedule, error)
	// ListSchedules returns every version in the district, or only the
	// school's own when schoolID is set; forSchool adds the district-wide ones.
	ListSchedules(ctx context.Context, districtID, schoolID string, forSchool bool) ([]fee.Schedule, error)
	// PutCostSheet stores (replaces) a school's cost sheet for a term.
	PutCostSheet(ctx context.Context, districtID string, c fee.CostSheet, perPeriod decimal.Decimal) error
	// CostSheet returns a school's cost sheet for a term, or nil if none.
	CostSheet(ctx context.Context, districtID, schoolID, termID string) (*fee.CostSheet, error)
	// RunByRequest returns the run created by a request id.
	RunByRequest(ctx context.Context, districtID, requestID string) (runs.Run, bool, error)
	// GetRun returns a run.
	GetRun(ctx context.Context, districtID, runID string) (runs.Run, error)
	// ListRuns returns a district's runs, newest first, at most limit, of
	// one school and term when given, without their inputs.
	ListRuns(ctx context.Context, districtID, schoolID, termID string, limit int) ([]runs.Run, error)
	// IssueRun inserts run and, in the same transaction, lets produce write
	// its statements, lines and postings. When a run with the same request id
	// exists (or commits first), it returns that run and created=false, and
	// nothing else is written.
	IssueRun(ctx context.Context, run runs.Run, produce func(ctx context.Context, w runs.Writer) (runs.Result, error)) (runs.Run, bool, error)
	// StudentStatements returns a student's statements of a term in issue order.
	StudentStatements(ctx context.Context, districtID, schoolID, studentID, termID string) ([]statement.Issued, error)
	// Claims sums the statements of a district (or one school) whose periods lie in [from, to].
	Claims(ctx context.Context, districtID, schoolID string, from, to civil.Date) (statement.Claims, error)
	// RunInputs calls fn with each school's inputs snapshot of a run, in
	// school-id order (bytewise, as the run hashed them).
	RunInputs(ctx context.Context, districtID, runID string, fn func(runs.Inputs) error) error
	// PeriodStatements returns a school's statements of a term and period, in
	// revision order per student, issued by runs created no later than the
	// run runID.
	PeriodStatements(ctx context.Context, districtID, schoolID, termID string, from, to civil.Date, runID string) ([]statement.Issued, error)
}

// Feed is what billing reads from timetable (timetablefeed.Feed over gRPC).
type Feed interface {
	School(ctx context.Context, schoolID string) (facts.School, error)
	// SchoolDistrict and Term answer facts that never change once they
	// exist, so the feed may remember them; a miss is always asked.
	SchoolDistrict(ctx context.Context, schoolID string) (string, error)
	Term(ctx context.Context, schoolID, termID string) (facts.Term, error)
	CheckDistrict(ctx context.Context, districtID string) error
	Schools(ctx context.Context, districtID string) ([]facts.School, error)
	Terms(ctx context.Context, schoolID string) ([]facts.Term, error)
	Calendar(ctx context.Context, schoolID, termID string) ([]facts.Day, error)
	Items(ctx context.Context, schoolID, termID string) ([]facts.Item, error)
	Intervals(ctx context.Context, schoolID, termID string, fn func([]facts.Interval) error) error
	Occurrences(ctx context.Context, schoolID, termID string, from, to civil.Date, fn func([]facts.Occurrence) error) error
}

// Fees is the fee use cases: schedules (收费标准), cost sheets (成本核算),
// fee runs, what-if previews, statements and claims.
type Fees struct {
	store FeeStore
	feed  Feed
	now   func() time.Time
	// Options tune fee runs and carry their test hooks; set them before the first run.
	Options RunOptions

	// flight runs duplicate requests in this process once (no database
	// connection held while waiting) and bounds the runs in flight so they
	// never exhaust the connection pool; the unique request key in the
	// store keeps duplicates across processes to one run.
	flight *runexec.Flight[runs.Run]
}

// RunOptions are the knobs of fee runs and their test hooks, in one value
// so a test or the load benchmark sets them in one place.
type RunOptions struct {
	// BatchSize is how many students are computed and written at a time.
	BatchSize int
	// FailAfter, when positive, makes a run fail with ErrInjected after
	// writing that many statement batches: a test hook for interrupted runs.
	FailAfter int
	// Timing, when set, accumulates where a run spends its time (for the
	// load benchmark).
	Timing *RunTiming
}

// ErrInjected is the failure RunOptions.FailAfter raises.
var ErrInjected = errors.New("injected failure in the middle of a fee run")

// RunTiming is where fee runs spent their time: the engine, writing
// statements, lines and postings (COPY), and reading each school's issued
// state (period lock and current statements) on the run's transaction.
// Engine runs beside the writes, so the parts overlap.
type RunTiming struct {
	Students int
	Engine   time.Duration
	Write    time.Duration
	Lookup   time.Duration
}

// MaxConcurrentRuns bounds the fee runs one process computes at once.
const MaxConcurrentRuns = 2

// NewFees returns the fee use cases.
func NewFees(store FeeStore, feed Feed) *Fees {
	return &Fees{store: store, feed: feed, now: time.Now, Options: RunOptions{BatchSize: 2000},
		flight: runexec.NewFlight[runs.Run](MaxConcurrentRuns)}
}

// CreateSchedule validates and stores a new schedule version.
func (f *Fees) CreateSchedule(ctx context.Context, s fee.Schedule) (fee.Schedule, error) {
	category, err := f.checkSchedule(ctx, &s)
	if err != nil {
		return fee.Schedule{}, err
	}
	return f.store.CreateSchedule(ctx, s, category)
}

// checkSchedule is every check of a new schedule version before the store's
// (overlap and ceilings, under its locks): the district, the school in it,
// and Schedule.Validate. It returns the school's category, the ceilings'
// key. CreateSchedule and the fee schedule import both call it, so a
// version is held to one set of rules however it arrives.
func (f *Fees) checkSchedule(ctx context.Context, s *fee.Schedule) (string, error) {
	if err := f.CheckDistrict(ctx, s.Scope.DistrictID); err != nil {
		return "", err
	}
	category := "" // a district-wide schedule is held to every category's ceilings
	if s.Scope.SchoolID != "" {
		sc, err := f.feed.School(ctx, s.Scope.SchoolID)
		if err != nil {
			return "", err
		}
		if sc.DistrictID != s.Scope.DistrictID {
			return "", fault.Invalid("school_id", "school "+s.Scope.SchoolID+" is not in district "+s.Scope.DistrictID)
		}
		category = sc.Category
	}
	if s.Version == 0 {
		s.Version = 1 // the store assigns the real next version; validation needs one
	}
	if err := s.Validate(); err != nil {
		return "", err
	}
	return category, nil
}

// CreateCeiling validates and stores a bureau's price ceiling (最高限价) for its district. It binds
// the schedules created from then on; schedules already published keep their prices.
func (f *Fees) CreateCeiling(ctx context.Context, c fee.PriceCeiling) (fee.PriceCeiling, error) {
	if err := f.CheckDistrict(ctx, c.DistrictID); err != nil {
		return fee.PriceCeiling{}, err
	}
	if err := c.Validate(); err != nil {
		return fee.PriceCeiling{}, err
	}
	return f.store.CreateCeiling(ctx, c)
}

// ListCeilings returns a district's price ceilings.
func (f *Fees) ListCeilings(ctx context.Context, districtID string) ([]fee.PriceCeiling, error) {
	if err := f.CheckDistrict(ctx, districtID); err != nil {
		return nil, err
	}
	return f.store.ListCeilings(ctx, districtID)
}

// Publication is a schedule as published (收费公示): its prices beside the ceilings that bind it.
type Publication struct {
	Schedule fee.Schedule
	Ceilings []fee.PriceCeiling
}

// PublishedSchedule returns a schedule version with the price ceilings that bind it (for a
// school's schedule, those of the school's category; for a district-wide one, every category's).
func (f *Fees) PublishedSchedule(ctx context.Context, districtID, id string, version int) (Publication, error) {
	s, err := f.store.GetSchedule(ctx, districtID, id, version)
	if err != nil {
		return Publication{}, err
	}
	category := ""
	if s.Scope.SchoolID != "" {
		sc, err := f.feed.School(ctx, s.Scope.SchoolID)
		if err != nil {
			return Publication{}, err
		}
		category = sc.Category
	}
	all, err := f.store.ListCeilings(ctx, districtID)
	if err != nil {
		return Publication{}, err
	}
	return Publication{Schedule: s, Ceilings: fee.BindingCeilings(s, category, all)}, nil
}

// CheckDistrict returns timetable's NotFound for a district it does not
// know (timetable owns districts), so that a schedule or a listing for an
// unknown district is a 404 rather than an orphan row or an empty success.
func (f *Fees) CheckDistrict(ctx context.Context, districtID string) error {
	return f.feed.CheckDistrict(ctx, districtID)
}

// GetSchedule returns a schedule version.
func (f *Fees) GetSchedule(ctx context.Context, districtID, id string, version int) (fee.Schedule, error) {
	return f.store.GetSchedule(ctx, districtID, id, version)
}

// ListSchedules lists schedule versions.
func (f *Fees) ListSchedules(ctx context.Context, districtID, schoolID string) ([]fee.Schedule, error) {
	if err := f.CheckDistrict(ctx, districtID); err != nil {
		return nil, err
	}
	return f.store.ListSchedules(ctx, districtID, schoolID, false)
}

// CostView is a cost sheet with its figures and the price comparison.
type CostView struct {
	Sheet       fee.CostSheet
	Total       decimal.Decimal
	PerPeriod   decimal.Decimal
	Comparisons []fee.PriceComparison
}

// PutCostSheet validates and stores a school's cost sheet for a term.
func (f *Fees) PutCostSheet(ctx context.Context, c fee.CostSheet) (CostView, error) {
	sc, err := f.feed.School(ctx, c.SchoolID)
	if err != nil {
		return CostView{}, err
	}
	if err := c.Validate(); err != nil {
		return CostView{}, err
	}
	sched, schedErr := f.scheduleForTerm(ctx, sc, c.TermID)
	rule := sched.RoundingRule
	if schedErr != nil {
		rule = ""
	}
	if rule == "" {
		rule = "half_up"
	}
	per, err := c.CostPerStudentPeriod(rule)
	if err != nil {
		return CostView{}, err
	}
	if err := f.store.PutCostSheet(ctx, sc.DistrictID, c, per); err != nil {
		return CostView{}, err
	}
	return f.costView(ctx, sc, c, sched, schedErr)
}

// GetCostSheet returns a school's cost sheet beside the prices of the schedule in force.
func (f *Fees) GetCostSheet(ctx context.Context, schoolID, termID string) (CostView, error) {
	sc, err := f.feed.School(ctx, schoolID)
	if err != nil {
		return CostView{}, err
	}
	c, err := f.store.CostSheet(ctx, sc.DistrictID, schoolID, termID)
	if err != nil {
		return CostView{}, err
	}
	if c == nil {
		return CostView{}, fault.NotFound("no cost sheet for school " + schoolID + " term " + termID)
	}
	sched, schedErr := f.scheduleForTerm(ctx, sc, termID)
	return f.costView(ctx, sc, *c, sched, schedErr)
}

func (f *Fees) costView(ctx context.Context, sc facts.School, c fee.CostSheet, sched fee.Schedule, schedErr error) (CostView, error) {
	rule := sched.RoundingRule
	if rule == "" {
		rule = "half_up"
	}
	per, err := c.CostPerStudentPeriod(rule)
	if err != nil {
		return CostView{}, err
	}
	v := CostView{Sheet: c, Total: c.Total(), PerPeriod: per}
	if schedErr != nil {
		return v, nil // no schedule in force yet: the cost alone
	}
	services, err := f.representativeServices(ctx, sc, c.TermID, sched)
	if err != nil {
		return CostView{}, err
	}
	if cmp, err := fee.ComparePrice(sched, c, services); err == nil {
		v.Comparisons = cmp // without a plan, items priced per day or term cannot be converted yet
	}
	return v, nil
}

// scheduleForTerm returns the schedule in force on the first day of a term.
func (f *Fees) scheduleForTerm(ctx context.Context, sc facts.School, termID string) (fee.Schedule, error) {
	term, err := f.term(ctx, sc.ID, termID, civil.Date{})
	if err != nil {
		return fee.Schedule{}, err
	}
	all, err := f.store.ListSchedules(ctx, sc.DistrictID, sc.ID, true)
	if err != nil {
		return fee.Schedule{}, err
	}
	return fee.Applicable(all, sc.DistrictID, sc.ID, term.Start)
}

// CheckTerm returns NotFound unless termID is one of the school's terms in
// timetable, so that statements asked for an unknown term are a 404 rather
// than an empty list.
func (f *Fees) CheckTerm(ctx context.Context, schoolID, termID string) error {
	_, err := f.term(ctx, schoolID, termID, civil.Date{})
	return err
}

// term finds a school's term by id, or the one containing on.
func (f *Fees) term(ctx context.Context, schoolID, termID string, on civil.Date) (facts.Term, error) {
	if termID != "" {
		return f.feed.Term(ctx, schoolID, termID)
	}
	terms, err := f.feed.Terms(ctx, schoolID)
	if err != nil {
		return facts.Term{}, err
	}
	for _, t := range terms {
		if (termID != "" && t.ID == termID) || (termID == "" && !on.Before(t.Start) && !on.After(t.End)) {
			return t, nil
		}
	}
	if termID != "" {
		return facts.Term{}, fault.NotFound("term " + termID + " of school " + schoolID + " not found")
	}
	return facts.Term{}, fault.Precondition("school " + schoolID + " has no term containing " + on.String())
}
