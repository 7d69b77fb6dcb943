package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/shopspring/decimal"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Fixed keys make every billing step of the demo idempotent, so it runs
// at every start and fills in what an earlier start could not.
const (
	demoScheduleID  = "sanyuan-2026-autumn"
	demoRunRequest  = "demo-2026-09"
	demoPaymentKey  = "demo-wx-2026-09-0001"
	demoDocumentNo  = "三教〔2026〕21号"
	demoBillingFrom = "2026-09"
)

// demoSchedule is the district's fee schedule (收费标准) for the autumn
// term: 2 元 per 40-minute period (课时) of each service, a 2.5 元 per
// served day subsidy split 4:6 between city and district finance, 低保
// families waived in full and 特困 families by half (verified hardship
// only), billed monthly.
func demoSchedule() *billingv1.FeeSchedule {
	item := func(id, name, kind string) *billingv1.FeeItem {
		return &billingv1.FeeItem{RuleId: id, Name: name, Kind: kind, Unit: "per_period", Rate: "2"}
	}
	return &billingv1.FeeSchedule{
		ScheduleId: demoScheduleID, DocumentNo: demoDocumentNo,
		EffectiveFrom: day(2026, 9, 1), EffectiveTo: day(2027, 1, 31),
		BillingMode: "monthly", Calendar: &billingv1.FeeCalendar{DaysPerMonth: "22", MonthsPerTerm: "4.5"},
		Proration: &billingv1.ProrationPolicy{RuleId: "proration-exact", Kind: "exact"},
		Items: []*billingv1.FeeItem{
			item("basic-care", "基础托管服务费", "basic_care"),
			item("enrichment", "兴趣拓展服务费", "enrichment"),
			item("extended-care", "延时托管服务费", "extended_care"),
		},
		Subsidies: []*billingv1.SubsidyRule{{RuleId: "subsidy-day", Kind: "per_student_day", Amount: "2.5", RatioWhole: "10",
			Payers: []*billingv1.PayerRatio{{PayerId: "city_finance", Ratio: "4"}, {PayerId: "district_finance", Ratio: "6"}}}},
		Waivers: []*billingv1.WaiverRule{
			{RuleId: "waiver-dibao", Category: "dibao", Percent: "1", RequiresApproval: true, PayerId: "district_civil_affairs"},
			{RuleId: "waiver-tekun", Category: "tekun", Percent: "0.5", RequiresApproval: true, PayerId: "district_civil_affairs"},
		},
	}
}

// demoBilling publishes the fee schedule (once), runs September's fees
// for the school and records a WeChat payment of one family's statement;
// it returns that family's student id. Each step is keyed, so a repeat
// start changes nothing.
func demoBilling(ctx context.Context, c *demoClients, school, term string, log *slog.Logger) (string, error) {
	list, err := c.fees.ListFeeSchedules(ctx, &billingv1.ListFeeSchedulesRequest{DistrictId: DemoDistrictID})
	if err != nil {
		return "", fmt.Errorf("list fee schedules: %w", err)
	}
	published := false
	for _, s := range list.GetSchedules() {
		published = published || s.GetScheduleId() == demoScheduleID
	}
	if !published {
		if _, err := c.fees.CreateFeeSchedule(ctx, &billingv1.CreateFeeScheduleRequest{DistrictId: DemoDistrictID,
			Schedule: demoSchedule()}); err != nil {
			return "", fmt.Errorf("create fee schedule: %w", err)
		}
	}
	run, err := c.fees.CreateFeeRun(ctx, &billingv1.CreateFeeRunRequest{DistrictId: DemoDistrictID, RequestId: demoRunRequest,
		SchoolId: school, TermId: term, PeriodKind: "month", Month: demoBillingFrom})
	if err != nil {
		return "", fmt.Errorf("september fee run: %w", err)
	}
	log.Info("demo fee run", "run", run.GetRun().GetRunId(), "statements", run.GetRun().GetStatements(),
		"parent_total", run.GetRun().GetParentTotal().GetAmount())
	return demoPayment(ctx, c, school, term)
}

// demoPayment finds the first student (in list order) whose statement
// leaves the family something to pay and pays it in full by WeChat Pay.
func demoPayment(ctx context.Context, c *demoClients, school, term string) (string, error) {
	students, err := c.tt.ListStudents(ctx, &timetablev1.ListStudentsRequest{SchoolId: school, PageSize: 500})
	if err != nil {
		return "", fmt.Errorf("list students: %w", err)
	}
	for _, s := range students.GetStudents() {
		sts, err := c.fees.ListStudentStatements(ctx, &billingv1.ListStudentStatementsRequest{SchoolId: school,
			StudentId: s.GetStudentId(), TermId: term})
		if err != nil {
			return "", fmt.Errorf("list statements: %w", err)
		}
		for _, st := range sts.GetStatements() {
			parent, err := decimal.NewFromString(st.GetTotals().GetParent().GetAmount())
			if err != nil || !parent.IsPositive() {
				continue
			}
			_, err = c.pay.RecordPayment(ctx, &billingv1.RecordPaymentRequest{SchoolId: school, StatementId: st.GetStatementId(),
				StudentId: s.GetStudentId(), Amount: yuan(parent.StringFixed(2)), Channel: billingv1.PaymentChannel_PAYMENT_CHANNEL_WECHAT,
				ExternalReference: "4200002026093000001", IdempotencyKey: demoPaymentKey,
				PaidAt: timestamppb.New(time.Date(2026, 9, 30, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)))})
			if err != nil {
				return s.GetStudentId(), fmt.Errorf("record payment: %w", err)
			}
			return s.GetStudentId(), nil
		}
	}
	return "", nil
}
