package pay

import (
	"errors"
	"testing"
	"time"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

func rec(id, assignment, staff string, day int, minutes int, periods string) Record {
	return Record{RecordID: id, AssignmentID: assignment, StaffID: staff, StaffKind: "teacher",
		Date: time.Date(2026, 9, day, 0, 0, 0, 0, time.UTC), CreditedMinutes: minutes, Periods: decimal.RequireFromString(periods)}
}

func TestSummariseGroupsPerPersonInAnyOrder(t *testing.T) {
	rs := []Record{
		rec("r1", "a1", "t2", 2, 40, "1"),
		rec("r2", "a2", "t1", 1, 60, "1.5"),
		rec("r3", "a3", "t2", 1, 30, "0.75"),
	}
	for _, order := range [][]int{{0, 1, 2}, {2, 1, 0}, {1, 2, 0}} {
		in := []Record{rs[order[0]], rs[order[1]], rs[order[2]]}
		b, err := Summarise(in)
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Staff) != 2 || b.Staff[0].StaffID != "t1" || b.Staff[1].StaffID != "t2" {
			t.Fatalf("staff = %+v", b.Staff)
		}
		if !b.Staff[1].Periods.Equal(decimal.RequireFromString("1.75")) || b.Staff[1].CreditedMinutes != 70 {
			t.Fatalf("t2 = %+v", b.Staff[1])
		}
		if b.Staff[1].Records[0].RecordID != "r3" {
			t.Fatalf("t2 records not by date: %+v", b.Staff[1].Records)
		}
		if !b.TotalPeriods.Equal(decimal.RequireFromString("3.25")) || b.Records != 3 {
			t.Fatalf("total = %s, records %d", b.TotalPeriods, b.Records)
		}
	}
}

func TestSummariseRefusesAnAssignmentPaidTwice(t *testing.T) {
	_, err := Summarise([]Record{rec("r1", "a1", "t1", 1, 40, "1"), rec("r2", "a1", "t1", 1, 40, "1")})
	if !errors.Is(err, fault.ErrFailedPrecondition) {
		t.Fatalf("err = %v, want failed precondition", err)
	}
}

func TestSummariseRefusesNegativeHours(t *testing.T) {
	_, err := Summarise([]Record{rec("r1", "a1", "t1", 1, -5, "0")})
	if !errors.Is(err, fault.ErrFailedPrecondition) {
		t.Fatalf("err = %v, want failed precondition", err)
	}
}
