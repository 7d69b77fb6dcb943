package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	identityv1 "github.com/kehou/kehou/proto/gen/kehou/identity/v1"
	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/system"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// DemoDistrictID is the demo district (三元区, Sanming), loaded by --demo.
const DemoDistrictID = "350402"

// demoPrimarySchool is the city primary school, whose term, staffing
// grid and family statement the banner links.
const demoPrimarySchool = "三元区第一实验小学"

// demoPrimarySchoolID is the primary school's stable id.
const demoPrimarySchoolID = "sch_demo_350402_primary"

// demoClients are the public gRPC clients the demo loads its data
// through; staffing and billing are nil when that part does not run here.
type demoClients struct {
	tt    timetablev1.TimetableServiceClient
	st    staffingv1.StaffingServiceClient
	fees  billingv1.BillingServiceClient
	pay   billingv1.PaymentServiceClient
	rem   billingv1.RemunerationServiceClient
	id    identityv1.IdentityServiceClient
	conns []*grpc.ClientConn
	// calls counts the calls made; after failAfter of them (when set)
	// every call fails, as if the process died there (tests).
	calls     atomic.Int64
	failAfter int64
	// slots bounds the calls in flight across the schools loaded at once.
	slots chan struct{}
}

// demoWorkers is how many calls the loader keeps in flight: enough to
// overlap the services' database commits, few enough for a small machine.
const demoWorkers = 16

// dialDemo connects to the services; with a token every call carries it
// (otherwise the caller's context carries one).
func dialDemo(r *system.Running, token string) (*demoClients, error) {
	c := &demoClients{slots: make(chan struct{}, demoWorkers)}
	opts := []grpc.DialOption{grpc.WithTransportCredentials(r.ClientCreds()), grpc.WithUnaryInterceptor(c.count)}
	if token != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(bearer(token)))
	}
	dial := func(addr string) (*grpc.ClientConn, error) {
		conn, err := grpc.NewClient(addr, opts...)
		if err == nil {
			c.conns = append(c.conns, conn)
		}
		return conn, err
	}
	conn, err := dial(r.TimetableAddr)
	if err != nil {
		return nil, err
	}
	c.tt = timetablev1.NewTimetableServiceClient(conn)
	if r.StaffingAddr != "" {
		if conn, err = dial(r.StaffingAddr); err != nil {
			c.close()
			return nil, err
		}
		c.st = staffingv1.NewStaffingServiceClient(conn)
	}
	if r.IdentityAddr != "" {
		if conn, err = dial(r.IdentityAddr); err != nil {
			c.close()
			return nil, err
		}
		c.id = identityv1.NewIdentityServiceClient(conn)
	}
	if r.BillingAddr != "" {
		if conn, err = dial(r.BillingAddr); err != nil {
			c.close()
			return nil, err
		}
		c.fees = billingv1.NewBillingServiceClient(conn)
		c.pay = billingv1.NewPaymentServiceClient(conn)
		c.rem = billingv1.NewRemunerationServiceClient(conn)
	}
	return c, nil
}

// errDemoCut is the failure of every call after failAfter.
var errDemoCut = status.Error(codes.Unavailable, "demo: cut off (injected failure)")

func (c *demoClients) count(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if n := c.calls.Add(1); c.failAfter > 0 && n > c.failAfter {
		return errDemoCut
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

func (c *demoClients) close() {
	for _, conn := range c.conns {
		_ = conn.Close()
	}
}

// each runs fn(0) … fn(n-1) with up to demoWorkers calls in flight (shared
// by every school being loaded) and returns the first error; after an
// error it starts no more.
func (c *demoClients) each(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for i := range n {
		select {
		case c.slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-c.slots; wg.Done() }()
			if err := fn(ctx, i); err != nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// demoResult is what the start-up banner shows of the demo: paths (below
// the gateway's base URL) with real ids.
type demoResult struct {
	Paths []string
	// Accounts are the demo sign-ins, one per role (password demoPassword).
	Accounts []demoAccount
	// Calls is how many API calls the load made.
	Calls int64
}

// demoOptions are the test hooks of loadDemoWith.
type demoOptions struct {
	// failAfter cuts the load off after that many calls (0: never).
	failAfter int64
}

// loadDemo makes sure the demo district exists, through the public gRPC
// API like any client: each step looks up what an earlier start made, by
// stable ids or natural keys (a name in its school, an item's kind, a
// request id, an idempotency key), and creates only what is missing, so it
// is harmless at every start and a start that failed halfway completes on
// the next one.
func loadDemo(ctx context.Context, r *system.Running, log *slog.Logger) (demoResult, error) {
	return loadDemoWith(ctx, r, log, demoOptions{})
}

func loadDemoWith(ctx context.Context, r *system.Running, log *slog.Logger, o demoOptions) (demoResult, error) {
	began := time.Now()
	c, err := dialDemo(r, "")
	if err != nil {
		return demoResult{}, err
	}
	defer c.close()
	c.failAfter = o.failAfter
	// The loader acts through the public APIs like anyone else: as the
	// operator to provision the district, then as its bureau administrator
	// and the schools' administrators. Its tokens are signed in-process
	// with identity's key.
	if r.MintToken == nil {
		return demoResult{}, errors.New("the demo needs identity running in this process to sign its tokens")
	}
	as := func(p auth.Principal) (context.Context, error) {
		tok, err := r.MintToken(p)
		if err != nil {
			return nil, err
		}
		return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok), nil
	}
	opCtx, err := as(auth.Principal{AccountID: "acc_operator", Role: auth.RoleOperator})
	if err != nil {
		return demoResult{}, err
	}
	if err := demoDistrict(opCtx, c); err != nil {
		return demoResult{}, err
	}
	bureau, err := as(auth.Principal{AccountID: "acc_demo_bureau", Role: auth.RoleBureauAdmin, DistrictID: DemoDistrictID})
	if err != nil {
		return demoResult{}, err
	}
	schools := demoDistrictSchools()
	if err := demoSchools(bureau, c, schools); err != nil {
		return demoResult{}, err
	}
	institution := ""
	if c.st != nil {
		if institution, err = demoInstitution(bureau, c, schools); err != nil {
			return demoResult{}, err
		}
	}
	if c.fees != nil {
		if err := demoFeeSchedule(bureau, c); err != nil {
			return demoResult{}, err
		}
	}
	// The schools load side by side, sharing the calls in flight, and
	// beside them the accounts that need no school data.
	scopes := demoScopes{op: opCtx, bureau: bureau, as: as}
	var districtAccounts []demoAccount
	var accountsErr error
	accountsDone := make(chan struct{})
	go func() {
		defer close(accountsDone)
		districtAccounts, accountsErr = demoEnsureAccounts(scopes, c, demoDistrictAccounts(scopes, institution))
	}()
	loaded := make([]demoLoaded, len(schools))
	var wg sync.WaitGroup
	errs := make([]error, len(schools))
	for i, s := range schools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			loaded[i], errs[i] = demoSchoolData(bureau, c, s, institution, log)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("demo school %s: %w", s.name, errs[i])
			}
		}()
	}
	wg.Wait()
	<-accountsDone
	if err := errors.Join(append(errs, accountsErr)...); err != nil {
		return demoResult{}, err
	}
	primary, middle := loaded[0], loaded[2]
	res := demoResult{}
	res.Paths = append(res.Paths,
		fmt.Sprintf("/v1/schools/%s/terms/%s/compliance?week_of.year=2026&week_of.month=9&week_of.day=7", primary.school, primary.term))
	if c.st != nil {
		res.Paths = append(res.Paths, fmt.Sprintf("/v1/schools/%s/staffing-grid?week_start.year=%d&week_start.month=%d&week_start.day=%d",
			primary.school, demoWeek().GetYear(), demoWeek().GetMonth(), demoWeek().GetDay()))
	}
	family := [2]string{primary.students[demoChildPrimary], middle.students[demoChildMiddle]}
	if c.fees != nil {
		if err := demoPayment(bureau, c, primary, family[0]); err != nil {
			return demoResult{}, err
		}
		res.Paths = append(res.Paths, fmt.Sprintf("/v1/schools/%s/students/%s/terms/%s/statements", primary.school, family[0], primary.term),
			fmt.Sprintf("/v1/schools/%s/students/%s/terms/%s/statements", middle.school, family[1], middle.term))
	}
	if c.fees != nil && c.st != nil {
		if err := demoPayRun(bureau, c, primary); err != nil {
			return demoResult{}, err
		}
	}
	specs, err := demoSchoolAccounts(scopes, primary, middle, institution)
	if err != nil {
		return demoResult{}, err
	}
	schoolAccounts, err := demoEnsureAccounts(scopes, c, specs)
	if err != nil {
		return demoResult{}, err
	}
	res.Accounts = append(districtAccounts, schoolAccounts...)
	res.Calls = c.calls.Load()
	log.Info("demo data ready", "district", DemoDistrictID, "schools", len(schools), "calls", res.Calls,
		"seconds", fmt.Sprintf("%.1f", time.Since(began).Seconds()))
	return res, nil
}

func demoDistrict(ctx context.Context, c *demoClients) error {
	_, err := c.tt.CreateDistrict(ctx, &timetablev1.CreateDistrictRequest{District: &timetablev1.District{
		DistrictId: DemoDistrictID,
		Name:       "三元区（演示）",
		Policy: &timetablev1.DistrictPolicy{
			OffWorkTime:               &commonv1.TimeOfDay{Hours: 17, Minutes: 30},
			MinMinutesPerDay:          120,
			ServiceDaysPerWeek:        5,
			PeriodMinutesPrimary:      40,
			PeriodMinutesJuniorMiddle: 45,
			MaxPeriodsPerDay:          3,
			EveningCareEnd:            &commonv1.TimeOfDay{Hours: 18, Minutes: 30},
			EveningStudyEnd:           &commonv1.TimeOfDay{Hours: 20, Minutes: 30},
			OutsideShareCapPercent:    50,
			StudentsPerAdult:          20,
		},
	}})
	if err != nil && status.Code(err) != codes.AlreadyExists {
		return fmt.Errorf("create demo district: %w", err)
	}
	return nil
}

// demoSchools creates the schools that do not exist yet. The schools have
// stable ids, chosen here, so a school renamed or edited since the last
// start is still found (a name lookup would create a second one).
func demoSchools(ctx context.Context, c *demoClients, schools []demoSchool) error {
	for _, s := range schools {
		_, err := c.tt.GetSchool(ctx, &timetablev1.GetSchoolRequest{SchoolId: s.id})
		if err == nil {
			continue
		}
		if status.Code(err) != codes.NotFound {
			return fmt.Errorf("read demo school %s: %w", s.id, err)
		}
		_, err = c.tt.CreateSchool(ctx, &timetablev1.CreateSchoolRequest{School: &timetablev1.School{
			SchoolId: s.id, DistrictId: DemoDistrictID, Name: s.name, Stage: s.stage,
		}})
		if err != nil && status.Code(err) != codes.AlreadyExists {
			return fmt.Errorf("create demo school %s: %w", s.name, err)
		}
	}
	return nil
}

// Small constructors for the request messages.

func day(y, m, d int) *commonv1.Date {
	return &commonv1.Date{Year: int32(y), Month: int32(m), Day: int32(d)}
}

func clock(h, m int) *commonv1.TimeOfDay {
	return &commonv1.TimeOfDay{Hours: int32(h), Minutes: int32(m)}
}

func yuan(amount string) *commonv1.Money { return &commonv1.Money{Amount: amount} }

// bearer sends a fixed access token with every call (over loopback).
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return false }
