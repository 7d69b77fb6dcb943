package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

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

// demoPrimarySchool is the school that gets the whole demo: a term, a
// plan, staffing and billing. The other schools only exist.
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
	id    identityv1.IdentityServiceClient
	conns []*grpc.ClientConn
}

// dialDemo connects to the services; with a token every call carries it
// (otherwise the caller's context carries one).
func dialDemo(r *system.Running, token string) (*demoClients, error) {
	c := &demoClients{}
	opts := []grpc.DialOption{grpc.WithTransportCredentials(r.ClientCreds())}
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
	}
	return c, nil
}

func (c *demoClients) close() {
	for _, conn := range c.conns {
		_ = conn.Close()
	}
}

// demoResult is what the start-up banner shows of the demo: paths (below
// the gateway's base URL) with real ids.
type demoResult struct {
	Paths []string
	// Accounts are the demo sign-ins, one per role (password demoPassword).
	Accounts []demoAccount
}

// loadDemo creates the demo district and its schools through the public
// gRPC API, skipping what already exists, so it is safe to run at every
// start. The primary school's term, plan and staffing are built only in
// the start that creates the school; billing is keyed by fixed request ids
// and idempotency keys and so is (re)tried at every start, and its
// failures are warnings: the demo never stops the system from starting
// because billing is not ready.
func loadDemo(ctx context.Context, r *system.Running, log *slog.Logger) (demoResult, error) {
	c, err := dialDemo(r, "")
	if err != nil {
		return demoResult{}, err
	}
	defer c.close()
	// The loader acts through the public APIs like anyone else: as the
	// operator to provision the district, then as its bureau administrator.
	// Its tokens are signed in-process with identity's key.
	if r.MintToken == nil {
		return demoResult{}, errors.New("the demo needs identity running in this process to sign its tokens")
	}
	plain := ctx
	as := func(p auth.Principal) (context.Context, error) {
		tok, err := r.MintToken(p)
		if err != nil {
			return nil, err
		}
		return metadata.AppendToOutgoingContext(plain, "authorization", "Bearer "+tok), nil
	}
	opCtx, err := as(auth.Principal{AccountID: "acc_operator", Role: auth.RoleOperator})

	if err != nil {
		return demoResult{}, err
	}
	if err := demoDistrict(opCtx, c); err != nil {
		return demoResult{}, err
	}
	if ctx, err = as(auth.Principal{AccountID: "acc_demo_bureau", Role: auth.RoleBureauAdmin, DistrictID: DemoDistrictID}); err != nil {
		return demoResult{}, err
	}
	primary, created, err := demoSchools(ctx, c)
	if err != nil {
		return demoResult{}, err
	}
	if created[demoPrimarySchool] {
		if err := demoTimetable(ctx, c, primary); err != nil {
			return demoResult{}, fmt.Errorf("demo timetable: %w", err)
		}
		if c.st != nil {
			if err := demoStaffing(ctx, c, primary); err != nil {
				return demoResult{}, fmt.Errorf("demo staffing: %w", err)
			}
		}
	}
	term, err := findDemoTerm(ctx, c, primary)
	if err != nil {
		return demoResult{}, err
	}
	res := demoResult{}
	if term != "" {
		res.Paths = append(res.Paths,
			fmt.Sprintf("/v1/schools/%s/terms/%s/compliance?week_of.year=2026&week_of.month=9&week_of.day=7", primary, term))
		if c.st != nil {
			res.Paths = append(res.Paths, fmt.Sprintf("/v1/schools/%s/staffing-grid?week_start.year=%d&week_start.month=%d&week_start.day=%d",
				primary, demoWeek().GetYear(), demoWeek().GetMonth(), demoWeek().GetDay()))
		}
	}
	family := ""
	if c.fees != nil && term != "" {
		family, err = demoBilling(ctx, c, primary, term, log)
		if err != nil {
			log.Warn("demo billing not loaded; timetable and staffing are", "err", err)
		}
	}
	switch {
	case family != "":
		res.Paths = append(res.Paths, fmt.Sprintf("/v1/schools/%s/students/%s/terms/%s/statements", primary, family, term))
	case term != "":
		res.Paths = append(res.Paths, fmt.Sprintf("/v1/schools/%s/terms/%s/calendar", primary, term))
	}
	schoolCtx, err := as(auth.Principal{AccountID: "acc_demo_school", Role: auth.RoleSchoolAdmin, DistrictID: DemoDistrictID, SchoolID: primary})
	if err != nil {
		return demoResult{}, err
	}

	if res.Accounts, err = demoAccounts(opCtx, ctx, schoolCtx, c, primary, family); err != nil {
		return demoResult{}, err
	}
	log.Info("demo data ready", "district", DemoDistrictID, "school", primary, "term", term, "schools_created", len(created))
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

// demoSchools creates the schools that do not exist yet (the other
// schools with a few staff names) and returns the primary school's id and
// the names created in this start. The schools have stable ids, chosen
// here, so a school renamed or edited since the last start is still found
// (a name lookup would create a second one and trip over its institution).
// A school of an older demo, created by name with a random id, is found by
// its name once.
func demoSchools(ctx context.Context, c *demoClients) (string, map[string]bool, error) {
	schools := []struct {
		id, name string
		stage    timetablev1.SchoolStage
		staff    []string // the primary school's staff come with demoStaffing
	}{
		{demoPrimarySchoolID, demoPrimarySchool, timetablev1.SchoolStage_SCHOOL_STAGE_PRIMARY, nil},
		{"sch_demo_350402_middle", "三元区列东中学", timetablev1.SchoolStage_SCHOOL_STAGE_JUNIOR_MIDDLE, []string{"张老师", "王老师"}},
		{"sch_demo_350402_nine_year", "三元区九年一贯制学校", timetablev1.SchoolStage_SCHOOL_STAGE_NINE_YEAR, []string{"李老师", "吴老师"}},
	}
	existing := map[string]string{}
	created := map[string]bool{}
	for _, s := range schools {
		_, err := c.tt.GetSchool(ctx, &timetablev1.GetSchoolRequest{SchoolId: s.id})
		if err == nil {
			existing[s.name] = s.id
			continue
		}
		if status.Code(err) != codes.NotFound {
			return "", nil, fmt.Errorf("read demo school %s: %w", s.id, err)
		}
		resp, err := c.tt.CreateSchool(ctx, &timetablev1.CreateSchoolRequest{School: &timetablev1.School{
			SchoolId: s.id, DistrictId: DemoDistrictID, Name: s.name, Stage: s.stage,
		}})
		if status.Code(err) == codes.AlreadyExists { // an older demo's school of that name
			id, lerr := schoolNamed(ctx, c, s.name)
			if lerr != nil || id == "" {
				return "", nil, fmt.Errorf("create demo school %s: %w", s.name, err)
			}
			existing[s.name] = id
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("create demo school %s: %w", s.name, err)
		}
		existing[s.name] = resp.GetSchool().GetSchoolId()
		created[s.name] = true
		if c.st == nil {
			continue
		}
		for _, name := range s.staff {
			_, err := c.st.CreateStaffMember(ctx, &staffingv1.CreateStaffMemberRequest{
				SchoolId:    resp.GetSchool().GetSchoolId(),
				StaffMember: &staffingv1.StaffMember{Name: name, Kind: staffingv1.StaffKind_STAFF_KIND_TEACHER},
			})
			if err != nil {
				return "", nil, fmt.Errorf("create demo staff %s: %w", name, err)
			}
		}
	}
	primary := existing[demoPrimarySchool]
	if primary == "" {
		return "", nil, errors.New("demo primary school missing after creation")
	}
	return primary, created, nil
}

// Small constructors for the request messages.

func day(y, m, d int) *commonv1.Date {
	return &commonv1.Date{Year: int32(y), Month: int32(m), Day: int32(d)}
}

func clock(h, m int) *commonv1.TimeOfDay {
	return &commonv1.TimeOfDay{Hours: int32(h), Minutes: int32(m)}
}

func yuan(amount string) *commonv1.Money { return &commonv1.Money{Amount: amount} }

// schoolNamed returns the id of the demo district's school of that name, or "".
func schoolNamed(ctx context.Context, c *demoClients, name string) (string, error) {
	list, err := c.tt.ListSchools(ctx, &timetablev1.ListSchoolsRequest{DistrictId: DemoDistrictID, PageSize: 500})
	if err != nil {
		return "", fmt.Errorf("list demo schools: %w", err)
	}
	for _, s := range list.GetSchools() {
		if s.GetName() == name {
			return s.GetSchoolId(), nil
		}
	}
	return "", nil
}

// bearer sends a fixed access token with every call (over loopback).
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return false }
