package rpc

import (
	"time"

	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/pbconv"
	"github.com/kehou/kehou/services/staffing/app"
	"github.com/kehou/kehou/services/staffing/domain/demand"
	"github.com/kehou/kehou/services/staffing/domain/hours"
	"github.com/kehou/kehou/services/staffing/domain/solver"
	"github.com/kehou/kehou/services/staffing/domain/staff"
	"github.com/shopspring/decimal"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var kindToProto = map[staff.Kind]staffingv1.StaffKind{
	staff.KindTeacher:           staffingv1.StaffKind_STAFF_KIND_TEACHER,
	staff.KindOutsideInstructor: staffingv1.StaffKind_STAFF_KIND_OUTSIDE_INSTRUCTOR,
	staff.KindAdmin:             staffingv1.StaffKind_STAFF_KIND_ADMIN,
}

func kindFromProto(k staffingv1.StaffKind) staff.Kind {
	for d, p := range kindToProto {
		if p == k {
			return d
		}
	}
	return ""
}

func minute(t *commonv1.TimeOfDay) int {
	if t == nil {
		return 0
	}
	return pbconv.MinuteOfDay(t)
}

func memberFromProto(in *staffingv1.StaffMember) staff.Member {
	m := staff.Member{
		Name: in.GetName(), Number: in.GetStaffNumber(), Kind: kindFromProto(in.GetKind()), InstitutionID: in.GetInstitutionId(),
		Subjects: in.GetSubjects(), ClassesTaught: in.GetClassesTaught(), ClassTeacherOf: in.GetClassTeacherOf(),
		Qualifications: in.GetQualifications(), IDCardNumber: in.GetIdCardNumber(),
		Limits: staff.Limits{MaxPeriodsPerWeek: int(in.GetLimits().GetMaxPeriodsPerWeek()), MaxDaysPerWeek: int(in.GetLimits().GetMaxDaysPerWeek()),
			MaxPeriodsPerDay: int(in.GetLimits().GetMaxPeriodsPerDay())},
	}
	for _, a := range in.GetAvailability() {
		m.Availability = append(m.Availability, staff.Slot{Weekday: int(a.GetWeekday()), Segment: a.GetSegment(),
			Start: minute(a.GetStart()), End: minute(a.GetEnd())})
	}
	if p := in.GetPreferences(); p != nil {
		for _, w := range p.GetWeekdays() {
			m.Preferences.Weekdays = append(m.Preferences.Weekdays, int(w))
		}
		m.Preferences.Segments, m.Preferences.Classes = p.GetSegments(), p.GetClasses()
	}
	return m
}

func memberToProto(m staff.Member) *staffingv1.StaffMember {
	out := &staffingv1.StaffMember{
		StaffId: m.ID, StaffNumber: m.Number, SchoolId: m.SchoolID, DistrictId: m.DistrictID, Name: m.Name, Kind: kindToProto[m.Kind],
		CreateTime: timestamppb.New(m.CreateTime), InstitutionId: m.InstitutionID, Subjects: m.Subjects,
		ClassesTaught: m.ClassesTaught, ClassTeacherOf: m.ClassTeacherOf, Qualifications: m.Qualifications,
		Limits: &staffingv1.StaffLimits{MaxPeriodsPerWeek: int32(m.Limits.MaxPeriodsPerWeek), MaxDaysPerWeek: int32(m.Limits.MaxDaysPerWeek),
			MaxPeriodsPerDay: int32(m.Limits.MaxPeriodsPerDay)},
		Preferences:  &staffingv1.StaffPreferences{Segments: m.Preferences.Segments, Classes: m.Preferences.Classes},
		IdCardNumber: staff.MaskIDCard(m.IDCardNumber),
		OptedInTerms: m.OptedInTerms,
	}
	for _, w := range m.Preferences.Weekdays {
		out.Preferences.Weekdays = append(out.Preferences.Weekdays, int32(w))
	}
	for _, a := range m.Availability {
		sl := &staffingv1.AvailabilitySlot{Weekday: int32(a.Weekday), Segment: a.Segment}
		if a.Start != 0 || a.End != 0 {
			sl.Start, sl.End = pbconv.TimeOfDay(a.Start), pbconv.TimeOfDay(a.End)
		}
		out.Availability = append(out.Availability, sl)
	}
	return out
}

func institutionFromProto(in *staffingv1.Institution) (staff.Institution, error) {
	from, err := pbconv.CivilDate(in.GetLicenceValidFrom(), "institution.licence_valid_from")
	if err != nil {
		return staff.Institution{}, err
	}
	until, err := pbconv.CivilDate(in.GetLicenceValidUntil(), "institution.licence_valid_until")
	if err != nil {
		return staff.Institution{}, err
	}
	out := staff.Institution{Name: in.GetName(), LicenceNo: in.GetLicenceNo(), ValidFrom: from, ValidUntil: until, Approved: in.GetApproved()}
	for _, c := range in.GetCourses() {
		price, err := pbconv.Decimal(c.GetPricePerPeriod(), "institution.courses.price_per_period")
		if err != nil {
			return staff.Institution{}, err
		}
		out.Courses = append(out.Courses, staff.Course{Name: c.GetName(), ActivityKind: c.GetActivityKind(), PricePerPeriod: price})
	}
	return out, nil
}

func institutionToProto(in staff.Institution) *staffingv1.Institution {
	out := &staffingv1.Institution{InstitutionId: in.ID, DistrictId: in.DistrictID, Name: in.Name, LicenceNo: in.LicenceNo,
		LicenceValidFrom: pbconv.FromCivilDate(in.ValidFrom), LicenceValidUntil: pbconv.FromCivilDate(in.ValidUntil), Approved: in.Approved,
		SchoolIds: in.SchoolIDs, CreateTime: timestamppb.New(in.CreateTime)}
	for _, c := range in.Courses {
		out.Courses = append(out.Courses, &staffingv1.Course{CourseId: c.ID, Name: c.Name, ActivityKind: c.ActivityKind,
			PricePerPeriod: pbconv.Money(c.PricePerPeriod)})
	}
	return out
}

func demandToProto(d demand.Demand) *staffingv1.Demand {
	return demandWithTimes(d, pbconv.FromCivilDate(d.Date), pbconv.TimeOfDay(int(d.Start)), pbconv.TimeOfDay(int(d.End)))
}

// demandWithTimes is demandToProto with the date and times given as messages.
func demandWithTimes(d demand.Demand, date *commonv1.Date, start, end *commonv1.TimeOfDay) *staffingv1.Demand {
	return &staffingv1.Demand{DemandId: d.ID, OccurrenceId: d.OccurrenceID, Date: date, Segment: string(d.Segment),
		Start: start, End: end, Periods: int32(d.Periods), Role: string(d.Role),
		ActivityKind: string(d.ActivityKind), InstitutionId: d.InstitutionID, ClassId: d.ClassID, ClubId: d.ClubID,
		Count: int32(d.Count), Students: int32(d.Students)}
}

func assignmentToProto(a demand.Assignment, d *demand.Demand) *staffingv1.Assignment {
	out := &staffingv1.Assignment{AssignmentId: a.ID, DemandId: a.DemandID, StaffId: a.StaffID, Locked: a.Locked, Source: a.Source,
		Status: a.Status}
	if out.Status == "" {
		out.Status = demand.StatusActive
	}
	if d != nil {
		out.Date, out.Start, out.End = pbconv.FromCivilDate(d.Date), pbconv.TimeOfDay(int(d.Start)), pbconv.TimeOfDay(int(d.End))
		out.Role, out.Periods = string(d.Role), int32(d.Periods)
	}
	return out
}

func uncoveredToProto(us []solver.Uncovered) []*staffingv1.UncoveredDemand {
	var out []*staffingv1.UncoveredDemand
	for _, u := range us {
		out = append(out, &staffingv1.UncoveredDemand{DemandId: u.DemandID, Missing: int32(u.Missing), Reason: string(u.Reason), Detail: u.Detail})
	}
	return out
}

// decimalString shows a float grade (mean, unfairness) as a decimal string
// with four places, so clients never parse a float.
func decimalString(f float64) string { return decimal.NewFromFloat(f).Round(4).String() }

// gridToProto builds the grid's answer. Its many demands and assignments
// fall on a few dates and times of day: each distinct one is one message,
// shared by every demand and assignment that has it (the answer is only
// serialised), and an assignment takes its demand's.
func gridToProto(g app.Grid) *staffingv1.StaffingGrid {
	w := g.Week
	out := &staffingv1.StaffingGrid{SchoolId: w.SchoolID, TermId: w.TermID, WeekStart: pbconv.FromCivilDate(w.WeekStart), Seed: w.Seed,
		Uncovered: uncoveredToProto(w.Uncovered), Demands: make([]*staffingv1.Demand, len(w.Demands)),
		Assignments: make([]*staffingv1.Assignment, len(w.Assignments))}
	dates := map[civil.Date]*commonv1.Date{}
	times := map[solver.TimeOfDay]*commonv1.TimeOfDay{}
	timeOf := func(t solver.TimeOfDay) *commonv1.TimeOfDay {
		if times[t] == nil {
			times[t] = pbconv.TimeOfDay(int(t))
		}
		return times[t]
	}
	byID := make(map[string]*staffingv1.Demand, len(w.Demands))
	for i, d := range w.Demands {
		if _, ok := dates[d.Date]; !ok {
			dates[d.Date] = pbconv.FromCivilDate(d.Date)
		}
		pd := demandWithTimes(d, dates[d.Date], timeOf(d.Start), timeOf(d.End))
		out.Demands[i], byID[d.ID] = pd, pd
	}
	for i, a := range w.Assignments {
		pa := assignmentToProto(a, nil)
		if pd := byID[a.DemandID]; pd != nil {
			pa.Date, pa.Start, pa.End, pa.Role, pa.Periods = pd.Date, pd.Start, pd.End, pd.Role, pd.Periods
		}
		out.Assignments[i] = pa
	}
	m := g.Metrics
	f := &staffingv1.FairnessSummary{Needed: int32(m.Needed), Covered: int32(m.Covered), Spread: int32(m.Spread),
		Unfairness: decimalString(m.Unfairness), SoftPenalty: int32(m.SoftPenalty), HardViolations: int32(m.HardViolations)}
	for _, gl := range m.Groups {
		f.Groups = append(f.Groups, &staffingv1.GroupLoad{Kind: kindToProto[staff.Kind(gl.Kind)], MaxPeriodsPerWeek: int32(gl.MaxPeriodsPerWeek),
			Staff: int32(gl.Staff), MinPeriods: int32(gl.Min), MaxPeriods: int32(gl.Max), MeanPeriods: decimalString(gl.Mean),
			Unfairness: decimalString(gl.Unfairness)})
	}
	for _, l := range m.Loads {
		f.Loads = append(f.Loads, &staffingv1.StaffLoad{StaffId: l.StaffID, Periods: int32(l.Periods), Days: int32(l.Days)})
	}
	out.Fairness = f
	return out
}

func absenceFromProto(in *staffingv1.Absence) (demand.Absence, error) {
	from, err := pbconv.CivilDate(in.GetFrom(), "absence.from")
	if err != nil {
		return demand.Absence{}, err
	}
	ab := demand.Absence{StaffID: in.GetStaffId(), From: from, Reason: in.GetReason()}
	if in.GetTo() != nil {
		if ab.To, err = pbconv.CivilDate(in.GetTo(), "absence.to"); err != nil {
			return demand.Absence{}, err
		}
	}
	return ab, nil
}

func absenceToProto(a demand.Absence) *staffingv1.Absence {
	return &staffingv1.Absence{AbsenceId: a.ID, StaffId: a.StaffID, From: pbconv.FromCivilDate(a.From), To: pbconv.FromCivilDate(a.To), Reason: a.Reason}
}

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

func recordToProto(r hours.Record) *staffingv1.HourRecord {
	return &staffingv1.HourRecord{RecordId: r.ID, AssignmentId: r.AssignmentID, StaffId: r.StaffID, SchoolId: r.SchoolID,
		ScheduledStart: ts(r.ScheduledStart), ScheduledEnd: ts(r.ScheduledEnd), CheckIn: ts(r.CheckIn), CheckOut: ts(r.CheckOut),
		Duty: string(r.Duty), Status: string(r.Status), Corrects: r.Corrects, Reason: r.Reason, ApprovedBy: r.ApprovedBy,
		ScheduledMinutes: int32(r.ScheduledMinutes()), ActualMinutes: int32(r.ActualMinutes()), CreditedMinutes: int32(r.CreditedMinutes()),
		CreateTime: ts(r.CreatedAt)}
}

func monthOf(m int32) time.Month { return time.Month(m) }

func approvedToProto(h app.ApprovedHours) *staffingv1.ApprovedHours {
	return &staffingv1.ApprovedHours{RecordId: h.RecordID, AssignmentId: h.EffectiveHours.AssignmentID, StaffId: h.EffectiveHours.StaffID,
		StaffKind: kindToProto[staff.Kind(h.StaffKind)], InstitutionId: h.InstitutionID, SchoolId: h.SchoolID, DistrictId: h.DistrictID,
		Date: pbconv.FromCivilDate(h.Day), Role: h.Role, Duty: string(h.Duty), Status: string(h.Status),
		ScheduledMinutes: int32(h.ScheduledMinutes), ActualMinutes: int32(h.ActualMinutes), CreditedMinutes: int32(h.CreditedMinutes),
		Periods: h.Periods.String(), PeriodMinutes: int32(h.PeriodMinutes), Students: int32(h.Students), ClassId: h.ClassID, ClubId: h.ClubID,
		StartMinute: int32(h.StartMinute), EndMinute: int32(h.EndMinute)}
}

func pendingToProto(p app.PendingHours) *staffingv1.PendingHours {
	return &staffingv1.PendingHours{RecordId: p.RecordID, AssignmentId: p.AssignmentID, StaffId: p.StaffID,
		Date: pbconv.FromCivilDate(p.Day), Status: string(p.Status)}
}
