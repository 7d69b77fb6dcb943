package hours

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

var shanghai = time.FixedZone("CST", 8*3600)

// at returns 2025-03-03 h:m in Beijing time.
func at(h, m int) time.Time { return time.Date(2025, time.March, 3, h, m, 0, 0, shanghai) }

// setup returns a draft record for a 15:30-16:30 session.
func setup(t *testing.T) Record {
	t.Helper()
	r, err := New(Schedule{ID: "r1", AssignmentID: "as1", StaffID: "t1", SchoolID: "s1",
		Start: at(15, 30), End: at(16, 30), Duty: DutyTaught, CreatedAt: at(7, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// recordIn returns a record advanced to status by the normal path.
func recordIn(t *testing.T, status Status) Record {
	t.Helper()
	r := setup(t)
	steps := []func(Record) (Record, error){
		func(r Record) (Record, error) { return CheckIn(r, at(15, 28)) },
		func(r Record) (Record, error) { return CheckOut(r, at(16, 31), DutyTaught) },
		func(r Record) (Record, error) { return Approve(r, "admin1", at(18, 0)) },
		func(r Record) (Record, error) { return Lock(r, at(20, 0)) },
	}
	n := map[Status]int{StatusDraft: 0, StatusCheckedOut: 2, StatusApproved: 3, StatusLocked: 4}[status]
	for _, step := range steps[:n] {
		var err error
		if r, err = step(r); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

func fields(err error) []fault.Violation {
	var ve *fault.ValidationError
	if errors.As(err, &ve) {
		return ve.Violations
	}
	return nil
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		give Schedule
		want []fault.Violation
	}{
		{"valid", Schedule{ID: "r", AssignmentID: "a", StaffID: "t", SchoolID: "s", Start: at(15, 30), End: at(16, 30),
			Duty: DutyTaught, CreatedAt: at(7, 0)}, nil},
		{"end before start and bad duty", Schedule{ID: "r", AssignmentID: "a", StaffID: "t", SchoolID: "s", Start: at(15, 30),
			End: at(15, 0), Duty: "singing", CreatedAt: at(7, 0)}, []fault.Violation{
			{Field: "scheduled_end", Reason: "must be after scheduled_start"},
			{Field: "duty", Reason: `unknown duty "singing"`},
		}},
		{"missing ids", Schedule{Start: at(15, 30), End: at(16, 30), Duty: DutyTaught, CreatedAt: at(7, 0)}, []fault.Violation{
			{Field: "id", Reason: "required"}, {Field: "assignment_id", Reason: "required"},
			{Field: "staff_id", Reason: "required"}, {Field: "school_id", Reason: "required"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.give)
			if diff := cmp.Diff(tt.want, fields(err)); diff != "" {
				t.Errorf("New() field errors (-want +got):\n%s", diff)
			}
			if err == nil && (r.Status != StatusDraft || r.ScheduledMinutes() != 60) {
				t.Errorf("New() = status %s, %d minutes; want draft, 60", r.Status, r.ScheduledMinutes())
			}
		})
	}
}

func TestCheckIn(t *testing.T) {
	checkedIn, err := CheckIn(setup(t), at(15, 28))
	if err != nil {
		t.Fatal(err)
	}
	if !checkedIn.CheckIn.Equal(at(15, 28)) || checkedIn.Status != StatusDraft {
		t.Errorf("CheckIn() = %v %s, want 15:28 draft", checkedIn.CheckIn, checkedIn.Status)
	}
	tests := []struct {
		name       string
		give       Record
		giveAt     time.Time
		wantFields []fault.Violation
		wantErr    error
	}{
		{"twice", checkedIn, at(15, 29), []fault.Violation{{Field: "check_in", Reason: "already checked in at 2025-03-03 15:28:00"}}, fault.ErrInvalid},
		{"no time", setup(t), time.Time{}, []fault.Violation{{Field: "check_in", Reason: "required"}}, fault.ErrInvalid},
		{"after check-out", recordIn(t, StatusCheckedOut), at(16, 0), nil, ErrInvalidTransition},
		{"locked", recordIn(t, StatusLocked), at(16, 0), nil, ErrLocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := CheckIn(tt.give, tt.giveAt)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("CheckIn() error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantFields, fields(err)); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckOut(t *testing.T) {
	in, err := CheckIn(setup(t), at(15, 28))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		give       Record
		giveAt     time.Time
		giveDuty   Duty
		want       int // actual minutes
		wantFields []fault.Violation
		wantErr    error
	}{
		{"normal", in, at(16, 31), DutyTaught, 63, nil, nil},
		{"seconds are dropped", in, at(16, 31).Add(59 * time.Second), DutySupervisionOnly, 63, nil, nil},
		{"before check-in", in, at(15, 0), DutyTaught, 0,
			[]fault.Violation{{Field: "check_out", Reason: "2025-03-03 15:00:00 is not after check-in 2025-03-03 15:28:00"}}, fault.ErrInvalid},
		{"equal to check-in", in, at(15, 28), DutyTaught, 0,
			[]fault.Violation{{Field: "check_out", Reason: "2025-03-03 15:28:00 is not after check-in 2025-03-03 15:28:00"}}, fault.ErrInvalid},
		{"without check-in", setup(t), at(16, 30), DutyTaught, 0,
			[]fault.Violation{{Field: "check_in", Reason: "required: check in first"}}, fault.ErrInvalid},
		{"unknown duty", in, at(16, 30), "dancing", 0, []fault.Violation{{Field: "duty", Reason: `unknown duty "dancing"`}}, fault.ErrInvalid},
		{"approved", recordIn(t, StatusApproved), at(16, 30), DutyTaught, 0, nil, ErrInvalidTransition},
		{"locked", recordIn(t, StatusLocked), at(16, 30), DutyTaught, 0, nil, ErrLocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckOut(tt.give, tt.giveAt, tt.giveDuty)
			if tt.wantErr == nil && err != nil || !errors.Is(err, tt.wantErr) {
				t.Fatalf("CheckOut() error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantFields, fields(err)); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
			if err != nil {
				return
			}
			if got.ActualMinutes() != tt.want || got.Status != StatusCheckedOut || got.Duty != tt.giveDuty {
				t.Errorf("CheckOut() = %d minutes, %s, %s; want %d, checked_out, %s", got.ActualMinutes(), got.Status, got.Duty, tt.want, tt.giveDuty)
			}
			if got.CreditedMinutes() != min(tt.want, 60) {
				t.Errorf("CreditedMinutes() = %d, want %d", got.CreditedMinutes(), min(tt.want, 60))
			}
		})
	}
}

func TestApproveAndLock(t *testing.T) {
	tests := []struct {
		name    string
		give    Status
		action  func(Record) (Record, error)
		want    Status
		wantErr error
	}{
		{"approve checked out", StatusCheckedOut, func(r Record) (Record, error) { return Approve(r, "admin1", at(18, 0)) }, StatusApproved, nil},
		{"approve draft", StatusDraft, func(r Record) (Record, error) { return Approve(r, "admin1", at(18, 0)) }, "", ErrInvalidTransition},
		{"approve without approver", StatusCheckedOut, func(r Record) (Record, error) { return Approve(r, "", at(18, 0)) }, "", fault.ErrInvalid},
		{"approve locked", StatusLocked, func(r Record) (Record, error) { return Approve(r, "admin1", at(18, 0)) }, "", ErrLocked},
		{"lock approved", StatusApproved, func(r Record) (Record, error) { return Lock(r, at(20, 0)) }, StatusLocked, nil},
		{"lock checked out", StatusCheckedOut, func(r Record) (Record, error) { return Lock(r, at(20, 0)) }, "", ErrInvalidTransition},
		{"lock twice", StatusLocked, func(r Record) (Record, error) { return Lock(r, at(21, 0)) }, "", ErrLocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.action(recordIn(t, tt.give))
			if tt.wantErr == nil && err != nil || !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && got.Status != tt.want {
				t.Errorf("status = %s, want %s", got.Status, tt.want)
			}
		})
	}
	var te *TransitionError
	_, err := Lock(recordIn(t, StatusDraft), at(20, 0))
	if !errors.As(err, &te) || err.Error() != "cannot lock a draft record" {
		t.Errorf("Lock(draft) error = %v, want a TransitionError \"cannot lock a draft record\"", err)
	}
}

func TestAmend(t *testing.T) {
	e := Edit{CheckIn: at(15, 35), CheckOut: at(16, 20), Duty: DutySubstituteCover}
	tests := []struct {
		name    string
		give    Status
		wantErr error
	}{
		{"checked out", StatusCheckedOut, nil},
		{"draft", StatusDraft, nil},
		{"approved must be corrected", StatusApproved, ErrInvalidTransition},
		{"locked", StatusLocked, ErrLocked},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Amend(recordIn(t, tt.give), e)
			if tt.wantErr == nil && err != nil || !errors.Is(err, tt.wantErr) {
				t.Fatalf("Amend() error = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (got.ActualMinutes() != 45 || got.Duty != DutySubstituteCover || got.Status != StatusCheckedOut) {
				t.Errorf("Amend() = %d minutes %s %s, want 45 substitute_cover checked_out", got.ActualMinutes(), got.Duty, got.Status)
			}
		})
	}
	_, err := Amend(recordIn(t, StatusCheckedOut), Edit{CheckIn: at(16, 0), CheckOut: at(15, 0), Duty: DutyTaught})
	if diff := cmp.Diff([]fault.Violation{{Field: "check_out", Reason: "2025-03-03 15:00:00 is not after check-in 2025-03-03 16:00:00"}}, fields(err)); diff != "" {
		t.Errorf("Amend(out before in) field errors (-want +got):\n%s", diff)
	}
}

func TestCorrect(t *testing.T) {
	locked := recordIn(t, StatusLocked)
	good := Correction{ID: "r2", CheckIn: at(15, 30), CheckOut: at(16, 10), Duty: DutySupervisionOnly,
		Reason: "left early for a parent meeting", CreatedAt: at(21, 0)}
	got, err := Correct(locked, good)
	if err != nil {
		t.Fatal(err)
	}
	want := Record{ID: "r2", AssignmentID: "as1", StaffID: "t1", SchoolID: "s1", ScheduledStart: at(15, 30), ScheduledEnd: at(16, 30),
		CheckIn: at(15, 30), CheckOut: at(16, 10), Duty: DutySupervisionOnly, Status: StatusCheckedOut,
		Corrects: "r1", Reason: "left early for a parent meeting", CreatedAt: at(21, 0)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Correct() (-want +got):\n%s", diff)
	}
	if locked.Status != StatusLocked || !locked.CheckOut.Equal(at(16, 31)) {
		t.Errorf("the corrected record changed: %+v", locked)
	}

	tests := []struct {
		name       string
		give       Record
		giveC      func(Correction) Correction
		wantFields []fault.Violation
		wantErr    error
	}{
		{"approved may be corrected", recordIn(t, StatusApproved), func(c Correction) Correction { return c }, nil, nil},
		{"draft is amended, not corrected", recordIn(t, StatusDraft), func(c Correction) Correction { return c }, nil, ErrInvalidTransition},
		{"reason required", locked, func(c Correction) Correction { c.Reason = " "; return c },
			[]fault.Violation{{Field: "reason", Reason: "required for a correction"}}, fault.ErrInvalid},
		{"same id", locked, func(c Correction) Correction { c.ID = "r1"; return c },
			[]fault.Violation{{Field: "id", Reason: "must differ from the corrected record"}}, fault.ErrInvalid},
		{"check-out before check-in", locked, func(c Correction) Correction { c.CheckOut = at(15, 0); return c },
			[]fault.Violation{{Field: "check_out", Reason: "2025-03-03 15:00:00 is not after check-in 2025-03-03 15:30:00"}}, fault.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Correct(tt.give, tt.giveC(good))
			if tt.wantErr == nil && err != nil || !errors.Is(err, tt.wantErr) {
				t.Fatalf("Correct() error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.wantFields, fields(err)); diff != "" {
				t.Errorf("field errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLockedRecordChangesOnlyByCorrection(t *testing.T) {
	locked := recordIn(t, StatusLocked)
	tests := []struct {
		name string
		give func() error
	}{
		{"check in", func() error { _, err := CheckIn(locked, at(15, 0)); return err }},
		{"check out", func() error { _, err := CheckOut(locked, at(17, 0), DutyTaught); return err }},
		{"amend", func() error {
			_, err := Amend(locked, Edit{CheckIn: at(15, 0), CheckOut: at(17, 0), Duty: DutyTaught})
			return err
		}},
		{"approve", func() error { _, err := Approve(locked, "admin2", at(22, 0)); return err }},
		{"lock", func() error { _, err := Lock(locked, at(22, 0)); return err }},
	}
	for _, tt := range tests {
		if err := tt.give(); !errors.Is(err, ErrLocked) {
			t.Errorf("%s on a locked record: error = %v, want ErrLocked", tt.name, err)
		}
	}
}

func TestEffective(t *testing.T) {
	locked := recordIn(t, StatusLocked) // r1: 15:28-16:31, 63 actual, 60 credited
	corr := func(id, of string, out time.Time, status Status, created time.Time) Record {
		return Record{ID: id, AssignmentID: "as1", StaffID: "t1", SchoolID: "s1", ScheduledStart: at(15, 30), ScheduledEnd: at(16, 30),
			CheckIn: at(15, 30), CheckOut: out, Duty: DutySupervisionOnly, Status: status, Corrects: of, Reason: "fix", CreatedAt: created}
	}
	other := recordIn(t, StatusApproved)
	other.ID, other.AssignmentID = "o1", "as0"
	draft := recordIn(t, StatusCheckedOut)
	draft.ID, draft.AssignmentID = "d1", "as2"

	tests := []struct {
		name    string
		give    []Record
		want    []EffectiveHours
		wantErr error
	}{
		{"original only", []Record{locked, draft}, []EffectiveHours{
			{AssignmentID: "as1", RecordID: "r1", StaffID: "t1", SchoolID: "s1", Duty: DutyTaught, Status: StatusLocked,
				ScheduledMinutes: 60, ActualMinutes: 63, CreditedMinutes: 60},
		}, nil},
		{"correction not yet approved does not count", []Record{locked, corr("r2", "r1", at(16, 0), StatusCheckedOut, at(21, 0))},
			[]EffectiveHours{{AssignmentID: "as1", RecordID: "r1", StaffID: "t1", SchoolID: "s1", Duty: DutyTaught, Status: StatusLocked,
				ScheduledMinutes: 60, ActualMinutes: 63, CreditedMinutes: 60}}, nil},
		{"approved correction replaces the original", []Record{other, corr("r2", "r1", at(16, 0), StatusApproved, at(21, 0)), locked},
			[]EffectiveHours{
				{AssignmentID: "as0", RecordID: "o1", StaffID: "t1", SchoolID: "s1", Duty: DutyTaught, Status: StatusApproved,
					ScheduledMinutes: 60, ActualMinutes: 63, CreditedMinutes: 60},
				{AssignmentID: "as1", RecordID: "r2", StaffID: "t1", SchoolID: "s1", Duty: DutySupervisionOnly, Status: StatusApproved,
					ScheduledMinutes: 60, ActualMinutes: 30, CreditedMinutes: 30},
			}, nil},
		{"a correction of a correction wins", []Record{locked, corr("r2", "r1", at(16, 0), StatusLocked, at(21, 0)),
			corr("r3", "r2", at(16, 15), StatusApproved, at(22, 0))},
			[]EffectiveHours{{AssignmentID: "as1", RecordID: "r3", StaffID: "t1", SchoolID: "s1", Duty: DutySupervisionOnly, Status: StatusApproved,
				ScheduledMinutes: 60, ActualMinutes: 45, CreditedMinutes: 45}}, nil},
		{"two corrections of one record: the latest wins", []Record{locked, corr("r3", "r1", at(16, 15), StatusApproved, at(22, 0)),
			corr("r2", "r1", at(16, 0), StatusApproved, at(21, 0))},
			[]EffectiveHours{{AssignmentID: "as1", RecordID: "r3", StaffID: "t1", SchoolID: "s1", Duty: DutySupervisionOnly, Status: StatusApproved,
				ScheduledMinutes: 60, ActualMinutes: 45, CreditedMinutes: 45}}, nil},
		{"correction of an unknown record", []Record{corr("r2", "ghost", at(16, 0), StatusApproved, at(21, 0))}, nil, ErrInconsistent},
		{"duplicate id", []Record{locked, locked}, nil, ErrInconsistent},
		{"correction cycle", []Record{corr("x", "y", at(16, 0), StatusApproved, at(21, 0)), corr("y", "x", at(16, 0), StatusApproved, at(21, 0))},
			nil, ErrInconsistent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Effective(tt.give)
			if tt.wantErr == nil && err != nil || !errors.Is(err, tt.wantErr) {
				t.Fatalf("Effective() error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Effective() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPeriods(t *testing.T) {
	tests := []struct {
		minutes, period int
		want            string
		wantFields      []fault.Violation
	}{
		{40, 40, "1", nil},
		{60, 40, "1.5", nil},
		{30, 45, "0.6667", nil},
		{50, 45, "1.1111", nil},
		{0, 40, "0", nil},
		{10, 0, "0", []fault.Violation{{Field: "period_minutes", Reason: "must be positive"}}},
		{-5, 40, "0", []fault.Violation{{Field: "minutes", Reason: "must not be negative"}}},
	}
	for _, tt := range tests {
		got, err := Periods(tt.minutes, tt.period)
		if diff := cmp.Diff(tt.wantFields, fields(err)); diff != "" {
			t.Errorf("Periods(%d, %d) field errors (-want +got):\n%s", tt.minutes, tt.period, diff)
		}
		if want := decimal.RequireFromString(tt.want); !got.Equal(want) {
			t.Errorf("Periods(%d, %d) = %s, want %s", tt.minutes, tt.period, got, want)
		}
	}
}

func TestDate(t *testing.T) {
	r := setup(t)
	r.ScheduledStart = time.Date(2025, time.March, 3, 0, 30, 0, 0, shanghai) // 2025-03-02 16:30 UTC
	if got, want := r.Date(), time.Date(2025, time.March, 3, 0, 0, 0, 0, shanghai); !got.Equal(want) {
		t.Errorf("Date() = %v, want %v", got, want)
	}
}
