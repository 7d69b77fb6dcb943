package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
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
// term: 2 元 per period (课时: 40 minutes at primary, 45 at junior middle school) of each service, a 2.5 元 per
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
			item("evening-study", "晚自习服务费", "evening_study"),
		},
		Subsidies: []*billingv1.SubsidyRule{{RuleId: "subsidy-day", Kind: "per_student_day", Amount: "2.5", RatioWhole: "10",
			Payers: []*billingv1.PayerRatio{{PayerId: "city_finance", Ratio: "4"}, {PayerId: "district_finance", Ratio: "6"}}}},
		Waivers: []*billingv1.WaiverRule{
			{RuleId: "waiver-dibao", Category: "dibao", Percent: "1", RequiresApproval: true, PayerId: "district_civil_affairs"},
			{RuleId: "waiver-tekun", Category: "tekun", Percent: "0.5", RequiresApproval: true, PayerId: "district_civil_affairs"},
		},
	}
}

// demoFeeSchedule publishes the district's fee schedule unless it is there.
func demoFeeSchedule(ctx context.Context, c *demoClients) error {
	list, err := c.fees.ListFeeSchedules(ctx, &billingv1.ListFeeSchedulesRequest{DistrictId: DemoDistrictID})
	if err != nil {
		return fmt.Errorf("list fee schedules: %w", err)
	}
	for _, s := range list.GetSchedules() {
		if s.GetScheduleId() == demoScheduleID {
			return nil
		}
	}
	if _, err := c.fees.CreateFeeSchedule(ctx, &billingv1.CreateFeeScheduleRequest{DistrictId: DemoDistrictID,
		Schedule: demoSchedule()}); err != nil {
		return fmt.Errorf("create fee schedule: %w", err)
	}
	return nil
}

// demoFeeRun runs September's fees for the school, keyed by its request
// id: a repeat returns the run made before.
func demoFeeRun(ctx context.Context, c *demoClients, s demoSchool, term string, log *slog.Logger) error {
	run, err := c.fees.CreateFeeRun(ctx, &billingv1.CreateFeeRunRequest{DistrictId: DemoDistrictID, RequestId: s.runRequest,
		SchoolId: s.id, TermId: term, PeriodKind: "month", Month: demoBillingFrom})
	if err != nil {
		return fmt.Errorf("september fee run: %w", err)
	}
	log.Info("demo fee run", "school", s.id, "run", run.GetRun().GetRunId(), "statements", run.GetRun().GetStatements(),
		"parent_total", run.GetRun().GetParentTotal().GetAmount())
	return nil
}

// demoPayment pays the demo family's September statement at the primary
// school in full by WeChat Pay; the idempotency key makes a repeat the
// same payment.
func demoPayment(ctx context.Context, c *demoClients, school demoLoaded, student string) error {
	sts, err := c.fees.ListStudentStatements(ctx, &billingv1.ListStudentStatementsRequest{SchoolId: school.school,
		StudentId: student, TermId: school.term})
	if err != nil {
		return fmt.Errorf("list statements: %w", err)
	}
	for _, st := range sts.GetStatements() {
		parent, err := decimal.NewFromString(st.GetTotals().GetParent().GetAmount())
		if err != nil || !parent.IsPositive() {
			continue
		}
		_, err = c.pay.RecordPayment(ctx, &billingv1.RecordPaymentRequest{SchoolId: school.school, StatementId: st.GetStatementId(),
			StudentId: student, Amount: yuan(parent.StringFixed(2)), Channel: billingv1.PaymentChannel_PAYMENT_CHANNEL_WECHAT,
			ExternalReference: "4200002026093000001", IdempotencyKey: demoPaymentKey,
			PaidAt: timestamppb.New(time.Date(2026, 9, 30, 10, 0, 0, 0, time.FixedZone("CST", 8*3600)))})
		if err != nil {
			return fmt.Errorf("record payment: %w", err)
		}
		return nil
	}
	return fmt.Errorf("the demo family's statement at %s has nothing to pay", school.school)
}
