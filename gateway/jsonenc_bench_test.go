package gateway

import (
	"fmt"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// newTestJSONPb is the marshaler gateway.go configures.
func newTestJSONPb() *runtime.JSONPb {
	return &runtime.JSONPb{MarshalOptions: gatewayProtojson}
}

func yuan(s string) *commonv1.Money { return &commonv1.Money{Amount: s} }

// statementsResponse is a parent's term: a charge, its adjustment and a
// second month, 6 lines each with subsidies, waivers and caps.
func statementsResponse() *billingv1.ListStudentStatementsResponse {
	resp := &billingv1.ListStudentStatementsResponse{ParentTotal: yuan("1234.56")}
	for s := 0; s < 3; s++ {
		st := &billingv1.Statement{
			StatementId:     fmt.Sprintf("0b9c6f1e-4d2a-4c1b-9a77-%012d", s),
			RunId:           "7f3e2d1c-5b4a-4c3d-8e9f-0a1b2c3d4e5f",
			SchoolId:        "3c2b1a09-8f7e-4d6c-9b5a-493827161504",
			StudentId:       "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
			TermId:          "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
			PeriodStart:     &commonv1.Date{Year: 2026, Month: int32(9 + s), Day: 1},
			PeriodEnd:       &commonv1.Date{Year: 2026, Month: int32(9 + s), Day: 30},
			Kind:            "charge",
			ScheduleId:      "5d4c3b2a-1f0e-4d9c-8b7a-695847362514",
			ScheduleVersion: 3,
			DocumentNo:      "京教财〔2026〕12号",
			Totals: &billingv1.FeeTotals{
				Gross: yuan("860.00"), Net: yuan("812.40"), Parent: yuan("411.20"),
				Subsidies:         []*billingv1.PartyAmount{{PartyId: "district", Amount: yuan("300.00")}},
				Waivers:           []*billingv1.PartyAmount{{PartyId: "school", Amount: yuan("101.20")}},
				CollectedOnBehalf: []*billingv1.PartyAmount{{PartyId: "provider-1", Amount: yuan("120.00")}},
			},
			IssuedAt: &timestamppb.Timestamp{Seconds: 1788739200 + int64(s)*86400, Nanos: 123456000},
			Revision: 1,
		}
		if s == 1 {
			st.Kind, st.CorrectsStatementId, st.Revision = "adjustment", resp.Statements[0].StatementId, 2
		}
		for l := 0; l < 6; l++ {
			st.Lines = append(st.Lines, &billingv1.StatementLine{
				LineNo: int32(l + 1), LineType: "charge", RuleId: fmt.Sprintf("rule-%d", l),
				DocumentNo: "京教财〔2026〕12号", Name: "课后服务（基础托管）", Unit: "day",
				Quantity: "20", UnitRate: "8.50", Gross: yuan("170.00"),
				Adjustments: []*billingv1.StatementAdjustment{
					{Kind: "cap", Amount: yuan("-10.00"), RuleId: "cap-1", DocumentNo: "京教财〔2026〕13号"},
					{Kind: "proration", Amount: yuan("-1.60"), RuleId: "pro-1"},
				},
				Net: yuan("158.40"),
				Subsidies: []*billingv1.StatementShare{
					{PayerId: "district", Amount: yuan("50.00"), RuleId: "sub-1", DocumentNo: "京财教〔2026〕7号", Category: "general"},
				},
				Waivers: []*billingv1.StatementShare{
					{PayerId: "school", Amount: yuan("20.00"), RuleId: "waive-1", Category: "hardship"},
				},
				Parent:        yuan("88.40"),
				ServiceKind:   "basic",
				DaysScheduled: 21, DaysEnrolled: 21, DaysCancelled: 1, DaysShort: 0, DaysLeave: 0, DaysServed: 20,
				HolidayQuantity: "0", HolidayRate: "0.00", Surcharge: "0.00",
			})
		}
		resp.Statements = append(resp.Statements, st)
	}
	return resp
}

// BenchmarkStatementsJSON compares protojson with the compiled encoder on
// the parent's statement answer.
func BenchmarkStatementsJSON(b *testing.B) {
	msg := statementsResponse()
	out, _ := gatewayProtojson.Marshal(msg)
	b.Logf("%d bytes", len(out))
	b.Run("protojson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := gatewayProtojson.Marshal(msg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("compiled", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := gatewayJSON.Marshal(msg); err != nil {
				b.Fatal(err)
			}
		}
	})
}
