package rpc

import (
	"context"
	"fmt"
	"github.com/kehou/kehou/services/platform/auth"

	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/paging"
	"github.com/kehou/kehou/services/platform/pbconv"
	"github.com/kehou/kehou/services/timetable/domain/calendar"
	"github.com/kehou/kehou/services/timetable/domain/compliance"
	"github.com/kehou/kehou/services/timetable/domain/school"
	"github.com/shopspring/decimal"
	"google.golang.org/grpc"
)

// CreateRoom implements the RPC.
func (s *Server) CreateRoom(ctx context.Context, req *timetablev1.CreateRoomRequest) (*timetablev1.CreateRoomResponse, error) {
	r := req.GetRoom()
	out, err := s.app.CreateRoom(ctx, req.GetSchoolId(), school.Room{Name: r.GetName(), Kind: roomKind(r.GetKind()), Capacity: int(r.GetCapacity())})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.CreateRoomResponse{Room: roomProto(out, req.GetSchoolId())}, nil
}

// ListRooms implements the RPC.
func (s *Server) ListRooms(ctx context.Context, req *timetablev1.ListRoomsRequest) (*timetablev1.ListRoomsResponse, error) {
	rooms, err := s.app.ListRooms(ctx, req.GetSchoolId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.ListRoomsResponse{}
	for _, r := range rooms {
		resp.Rooms = append(resp.Rooms, roomProto(r, req.GetSchoolId()))
	}
	return resp, nil
}

// CreateClass implements the RPC.
func (s *Server) CreateClass(ctx context.Context, req *timetablev1.CreateClassRequest) (*timetablev1.CreateClassResponse, error) {
	c := req.GetClass()
	out, err := s.app.CreateClass(ctx, req.GetSchoolId(), school.Class{Grade: int(c.GetGrade()), Name: c.GetName(), Size: int(c.GetSize()), HomeRoomID: c.GetHomeRoomId()})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.CreateClassResponse{Class: classProto(out, req.GetSchoolId())}, nil
}

// ListClasses implements the RPC.
func (s *Server) ListClasses(ctx context.Context, req *timetablev1.ListClassesRequest) (*timetablev1.ListClassesResponse, error) {
	cs, err := s.app.ListClasses(ctx, req.GetSchoolId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.ListClassesResponse{}
	for _, c := range cs {
		resp.Classes = append(resp.Classes, classProto(c, req.GetSchoolId()))
	}
	return resp, nil
}

// CreateStudent implements the RPC.
func (s *Server) CreateStudent(ctx context.Context, req *timetablev1.CreateStudentRequest) (*timetablev1.CreateStudentResponse, error) {
	st, err := studentOf(req.GetStudent(), "student")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	out, err := s.app.CreateStudent(ctx, req.GetSchoolId(), st)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.CreateStudentResponse{Student: studentProto(out, req.GetSchoolId())}, nil
}

// BatchCreateStudents implements the RPC.
func (s *Server) BatchCreateStudents(ctx context.Context, req *timetablev1.BatchCreateStudentsRequest) (*timetablev1.BatchCreateStudentsResponse, error) {
	in := make([]school.Student, len(req.GetStudents()))
	for i, p := range req.GetStudents() {
		st, err := studentOf(p, fmt.Sprintf("students[%d]", i))
		if err != nil {
			return nil, s.toStatus(ctx, err)
		}
		in[i] = st
	}
	out, err := s.app.BatchCreateStudents(ctx, req.GetSchoolId(), in)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.BatchCreateStudentsResponse{}
	for _, st := range out {
		resp.Students = append(resp.Students, studentProto(st, req.GetSchoolId()))
	}
	return resp, nil
}

// studentOf converts a student message (its id ignored); field names the
// message in a bad birth date's violation.
func studentOf(in *timetablev1.Student, field string) (school.Student, error) {
	st := school.Student{ClassID: in.GetClassId(), Name: in.GetName(), Hardship: hardship(in.GetHardshipCategory()),
		Verified: in.GetHardshipVerified(), Number: in.GetStudentNumber()}
	if in.GetBirthDate() != nil {
		d, err := pbconv.Date(in.GetBirthDate(), field+".birth_date")
		if err != nil {
			return school.Student{}, err
		}
		st.BirthDate = civil.Of(d)
	}
	for _, g := range in.GetGuardians() {
		st.Guardians = append(st.Guardians, school.Guardian{Name: g.GetName(), Phone: g.GetPhone(), Relation: g.GetRelation()})
	}
	return st, nil
}

// ListStudents implements the RPC.
func (s *Server) ListStudents(ctx context.Context, req *timetablev1.ListStudentsRequest) (*timetablev1.ListStudentsResponse, error) {
	after, err := paging.Decode(req.GetPageToken())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	size := paging.Size(req.GetPageSize())
	sts, err := s.app.ListStudents(ctx, req.GetSchoolId(), req.GetClassId(), after, size+1)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.ListStudentsResponse{}
	if len(sts) > size {
		sts = sts[:size]
		resp.NextPageToken = paging.Encode(sts[size-1].ID)
	}
	// A roster minimises what it shows (PIPL): phone numbers are always
	// masked, and roles that need only names and classes (teachers,
	// instructors) see no hardship category.
	caller, _ := auth.FromContext(ctx)
	for _, st := range sts {
		pb := studentProto(st, req.GetSchoolId())
		for _, g := range pb.Guardians {
			g.Phone = auth.MaskPhone(g.Phone)
		}
		if !caller.SeesSensitive() {
			pb.HardshipCategory, pb.HardshipVerified = timetablev1.HardshipCategory_HARDSHIP_CATEGORY_UNSPECIFIED, false
		}
		resp.Students = append(resp.Students, pb)
	}
	return resp, nil
}

// CreateTerm implements the RPC.
func (s *Server) CreateTerm(ctx context.Context, req *timetablev1.CreateTermRequest) (*timetablev1.CreateTermResponse, error) {
	t, err := termFromProto(req.GetTerm())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	out, n, err := s.app.CreateTerm(ctx, req.GetSchoolId(), t)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.CreateTermResponse{Term: termProto(out, req.GetSchoolId()), SchoolDays: int32(n)}, nil
}

// GetTerm implements the RPC.
func (s *Server) GetTerm(ctx context.Context, req *timetablev1.GetTermRequest) (*timetablev1.GetTermResponse, error) {
	t, err := s.app.GetTerm(ctx, req.GetSchoolId(), req.GetTermId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.GetTermResponse{Term: termProto(t, req.GetSchoolId())}, nil
}

// ListTerms implements the RPC.
func (s *Server) ListTerms(ctx context.Context, req *timetablev1.ListTermsRequest) (*timetablev1.ListTermsResponse, error) {
	ts, err := s.app.ListTerms(ctx, req.GetSchoolId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.ListTermsResponse{}
	for _, t := range ts {
		resp.Terms = append(resp.Terms, termProto(t, req.GetSchoolId()))
	}
	return resp, nil
}

// CreateClosure implements the RPC.
func (s *Server) CreateClosure(ctx context.Context, req *timetablev1.CreateClosureRequest) (*timetablev1.CreateClosureResponse, error) {
	in := req.GetClosure()
	start, err := date(in.GetStartDate(), "closure.start_date")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	end, err := date(in.GetEndDate(), "closure.end_date")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	c, err := s.app.CreateClosure(ctx, req.GetDistrictId(), calendar.Closure{Start: start, End: end, SchoolID: in.GetSchoolId(),
		Reason: calendar.ClosureReason(in.GetReason()), Note: in.GetNote()})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.CreateClosureResponse{Closure: &timetablev1.Closure{ClosureId: c.ID, DistrictId: req.GetDistrictId(),
		SchoolId: c.SchoolID, StartDate: dateProto(c.Start), EndDate: dateProto(c.End), Reason: in.GetReason(), Note: c.Note}}, nil
}

// GetCalendar implements the RPC.
func (s *Server) GetCalendar(ctx context.Context, req *timetablev1.GetCalendarRequest) (*timetablev1.GetCalendarResponse, error) {
	days, err := s.app.Calendar(ctx, req.GetSchoolId(), req.GetTermId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.GetCalendarResponse{}
	for _, d := range days {
		resp.Days = append(resp.Days, dayProto(d))
		if d.Open() {
			resp.OpenDays++
		}
	}
	return resp, nil
}

// CreateServiceItem implements the RPC.
func (s *Server) CreateServiceItem(ctx context.Context, req *timetablev1.CreateServiceItemRequest) (*timetablev1.CreateServiceItemResponse, error) {
	it, period, err := s.app.CreateItem(ctx, req.GetSchoolId(), req.GetTermId(), itemFromProto(req.GetItem()))
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.CreateServiceItemResponse{Item: itemProto(it, req.GetSchoolId(), period)}, nil
}

// ListServiceItems implements the RPC.
func (s *Server) ListServiceItems(ctx context.Context, req *timetablev1.ListServiceItemsRequest) (*timetablev1.ListServiceItemsResponse, error) {
	items, period, err := s.app.ListItems(ctx, req.GetSchoolId(), req.GetTermId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.ListServiceItemsResponse{}
	for _, it := range items {
		resp.Items = append(resp.Items, itemProto(it, req.GetSchoolId(), period))
	}
	return resp, nil
}

// CreateClub implements the RPC.
func (s *Server) CreateClub(ctx context.Context, req *timetablev1.CreateClubRequest) (*timetablev1.CreateClubResponse, error) {
	c, err := s.app.CreateClub(ctx, req.GetSchoolId(), req.GetTermId(), clubFromProto(req.GetClub()))
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.CreateClubResponse{Club: clubProto(c, req.GetSchoolId())}, nil
}

// ListClubs implements the RPC.
func (s *Server) ListClubs(ctx context.Context, req *timetablev1.ListClubsRequest) (*timetablev1.ListClubsResponse, error) {
	cs, err := s.app.ListClubs(ctx, req.GetSchoolId(), req.GetTermId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.ListClubsResponse{}
	for _, c := range cs {
		resp.Clubs = append(resp.Clubs, clubProto(c, req.GetSchoolId()))
	}
	return resp, nil
}

// GeneratePlan implements the RPC.
func (s *Server) GeneratePlan(ctx context.Context, req *timetablev1.GeneratePlanRequest) (*timetablev1.GeneratePlanResponse, error) {
	var locked []school.Placement
	for _, l := range req.GetLocked() {
		locked = append(locked, school.Placement{ClubID: l.GetClubId(), Weekday: calendar.Weekday(l.GetWeekday()), Segment: int(l.GetSegment()), RoomID: l.GetRoomId(), Locked: true})
	}
	p, err := s.app.GeneratePlan(ctx, req.GetSchoolId(), req.GetTermId(), req.GetSeed(), locked)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.GeneratePlanResponse{Plan: planProto(p, req.GetSchoolId())}, nil
}

// GetPlan implements the RPC.
func (s *Server) GetPlan(ctx context.Context, req *timetablev1.GetPlanRequest) (*timetablev1.GetPlanResponse, error) {
	p, err := s.app.GetPlan(ctx, req.GetSchoolId(), req.GetTermId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.GetPlanResponse{Plan: planProto(p, req.GetSchoolId())}, nil
}

func occurrenceProto(v school.OccurrenceView) *timetablev1.Occurrence {
	o := v.Occurrence
	st := timetablev1.OccurrenceStatus_OCCURRENCE_STATUS_SCHEDULED
	if o.Status == calendar.StatusCancelled {
		st = timetablev1.OccurrenceStatus_OCCURRENCE_STATUS_CANCELLED
	}
	out := &timetablev1.Occurrence{OccurrenceId: school.OccurrenceID(o), Date: dateProto(o.Date), Weekday: int32(o.Weekday),
		ClassId: o.ClassID, ClubId: o.ClubID, ItemId: o.ItemID, ItemKind: itemKindProto(v.ItemKind), Segment: int32(o.Segment),
		RoomId: o.RoomID, Start: timeProto(o.Start), End: timeProto(o.End), Minutes: int32(o.Minutes), Status: st,
		CancelReason: o.CancelReason, DeliveredMinutes: int32(o.Delivered), DeliveredRecorded: o.Recorded,
		Students: int32(v.Students), Grade: int32(v.Grade), FollowsWeekday: int32(o.Follows), PeriodMinutes: int32(v.PeriodMinutes)}
	if v.Club != nil {
		out.ActivityKind = activityKindProto(v.Club.Activity)
		out.ProviderKind = providerKindProto(v.Club.Provider)
		out.InstitutionId = v.Club.InstitutionID
	}
	return out
}

// ListOccurrences implements the RPC.
func (s *Server) ListOccurrences(ctx context.Context, req *timetablev1.ListOccurrencesRequest) (*timetablev1.ListOccurrencesResponse, error) {
	from, err := optionalDate(req.GetFrom(), "from")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	to, err := optionalDate(req.GetTo(), "to")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	occ, err := s.app.Occurrences(ctx, req.GetSchoolId(), req.GetTermId(), from, to)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.ListOccurrencesResponse{}
	for _, o := range occ {
		resp.Occurrences = append(resp.Occurrences, occurrenceProto(o))
		if o.Status == calendar.StatusCancelled {
			resp.Cancelled++
		} else {
			resp.Scheduled++
		}
	}
	return resp, nil
}

// StreamOccurrences implements the RPC: one message per date, so a whole
// term streams without one huge message.
func (s *Server) StreamOccurrences(req *timetablev1.StreamOccurrencesRequest, stream grpc.ServerStreamingServer[timetablev1.StreamOccurrencesResponse]) error {
	ctx := stream.Context()
	from, err := optionalDate(req.GetFrom(), "from")
	if err != nil {
		return s.toStatus(ctx, err)
	}
	to, err := optionalDate(req.GetTo(), "to")
	if err != nil {
		return s.toStatus(ctx, err)
	}
	occ, err := s.app.Occurrences(ctx, req.GetSchoolId(), req.GetTermId(), from, to)
	if err != nil {
		return s.toStatus(ctx, err)
	}
	batch := &timetablev1.StreamOccurrencesResponse{}
	for i, o := range occ {
		batch.Occurrences = append(batch.Occurrences, occurrenceProto(o))
		if i == len(occ)-1 || occ[i+1].Date != o.Date {
			if err := stream.Send(batch); err != nil {
				return err
			}
			batch = &timetablev1.StreamOccurrencesResponse{}
		}
	}
	return nil
}

// CancelSessions implements the RPC.
func (s *Server) CancelSessions(ctx context.Context, req *timetablev1.CancelSessionsRequest) (*timetablev1.CancelSessionsResponse, error) {
	d, err := date(req.GetDate(), "date")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	n, err := s.app.CancelSessions(ctx, req.GetSchoolId(), req.GetTermId(), calendar.Cancellation{Date: d, ClassID: req.GetClassId(),
		ClubID: req.GetClubId(), Segment: int(req.GetSegment()), Reason: req.GetReason()})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.CancelSessionsResponse{Cancelled: int32(n)}, nil
}

// RecordDelivery implements the RPC.
func (s *Server) RecordDelivery(ctx context.Context, req *timetablev1.RecordDeliveryRequest) (*timetablev1.RecordDeliveryResponse, error) {
	d, err := date(req.GetDate(), "date")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	o, err := s.app.RecordDelivery(ctx, req.GetSchoolId(), req.GetTermId(), calendar.Delivery{Date: d, ClassID: req.GetClassId(),
		ClubID: req.GetClubId(), Segment: int(req.GetSegment()), Minutes: int(req.GetMinutes())})
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.RecordDeliveryResponse{Occurrence: occurrenceProto(o)}, nil
}

// RecordAttendance implements the RPC.
func (s *Server) RecordAttendance(ctx context.Context, req *timetablev1.RecordAttendanceRequest) (*timetablev1.RecordAttendanceResponse, error) {
	var marks []school.Mark
	for _, m := range req.GetMarks() {
		marks = append(marks, school.Mark{StudentID: m.GetStudentId(), Status: attendanceStatus(m.GetStatus())})
	}
	n, err := s.app.RecordAttendance(ctx, req.GetSchoolId(), req.GetTermId(), req.GetOccurrenceId(), marks)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.RecordAttendanceResponse{Recorded: int32(n)}, nil
}

// ListAttendance implements the RPC.
func (s *Server) ListAttendance(ctx context.Context, req *timetablev1.ListAttendanceRequest) (*timetablev1.ListAttendanceResponse, error) {
	marks, err := s.app.Attendance(ctx, req.GetSchoolId(), req.GetTermId(), req.GetOccurrenceId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	resp := &timetablev1.ListAttendanceResponse{}
	for _, m := range marks {
		resp.Marks = append(resp.Marks, &timetablev1.AttendanceMark{StudentId: m.StudentID, Status: attendanceStatusProto(m.Status)})
	}
	return resp, nil
}

// GetComplianceReport implements the RPC.
func (s *Server) GetComplianceReport(ctx context.Context, req *timetablev1.GetComplianceReportRequest) (*timetablev1.GetComplianceReportResponse, error) {
	week, err := optionalDate(req.GetWeekOf(), "week_of")
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	rep, err := s.app.Compliance(ctx, req.GetSchoolId(), req.GetTermId(), week)
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	out := &timetablev1.ComplianceReport{SchoolId: req.GetSchoolId(), TermId: req.GetTermId(), From: dateProto(rep.From),
		To: dateProto(rep.To), SchoolDays: int32(rep.SchoolDays), Compliant: rep.Clean()}
	c := violationConv{dates: map[civil.Date]*commonv1.Date{}, decs: map[decimal.Decimal]string{}}
	n := len(rep.Term)
	for _, w := range rep.Weeks {
		n += len(w.Violations)
	}
	// One allocation for every violation message (a term has hundreds).
	vs := make([]timetablev1.Violation, n)
	out.Violations = make([]*timetablev1.Violation, 0, n)
	add := func(v *compliance.Violation) {
		p := &vs[len(out.Violations)]
		c.fill(p, v)
		out.Violations = append(out.Violations, p)
	}
	for _, w := range rep.Weeks {
		for i := range w.Violations {
			add(&w.Violations[i])
		}
	}
	for i := range rep.Term {
		add(&rep.Term[i])
	}
	return &timetablev1.GetComplianceReportResponse{Report: out}, nil
}

// violationConv converts a report's violations, sharing what repeats: one
// date message per distinct date (messages in a response are only read),
// one string per distinct decimal. compliance.Check hands out one decimal
// value per distinct number, so keying on the value (its big.Int pointer
// and exponent; decimals are immutable) finds the repeats.
type violationConv struct {
	dates map[civil.Date]*commonv1.Date
	decs  map[decimal.Decimal]string
}

func (c *violationConv) date(d civil.Date) *commonv1.Date {
	p, ok := c.dates[d]
	if !ok {
		p = dateProto(d)
		c.dates[d] = p
	}
	return p
}

func (c *violationConv) dec(d decimal.Decimal) string {
	s, ok := c.decs[d]
	if !ok {
		s = d.String()
		c.decs[d] = s
	}
	return s
}

func (c *violationConv) fill(p *timetablev1.Violation, v *compliance.Violation) {
	p.Rule, p.Date, p.Weekday, p.ClassId, p.ClubId = string(v.Rule), c.date(v.Date), int32(v.Weekday), v.ClassID, v.ClubID
	p.Got, p.Limit, p.Message, p.Unit, p.Week = c.dec(v.Got), c.dec(v.Limit), v.Message, string(v.Unit), c.date(v.Week)
}
