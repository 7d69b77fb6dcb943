// Package app holds staffing's use cases; it declares what it needs from
// storage and from timetable as interfaces.
package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kehou/kehou/services/platform/audit"
	"github.com/kehou/kehou/services/platform/changes"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/importjob"
	"github.com/kehou/kehou/services/staffing/domain/demand"
	"github.com/kehou/kehou/services/staffing/domain/facts"
	"github.com/kehou/kehou/services/staffing/domain/hours"
	"github.com/kehou/kehou/services/staffing/domain/solver"
	"github.com/kehou/kehou/services/staffing/domain/staff"
)

// Store is the storage staffing's use cases need; every method is scoped
// by district and school.
type Store interface {
	// AuditEvents reads the audit trail (操作日志).
	audit.Reader

	CreateMember(ctx context.Context, m staff.Member) (staff.Member, error)
	UpdateMember(ctx context.Context, m staff.Member) (staff.Member, error)
	// Identities reads the name and ID card number of the school's staff
	// with the given ids (all of them when ids is empty).
	Identities(ctx context.Context, districtID, schoolID string, ids []string) ([]staff.Member, error)
	GetMember(ctx context.Context, districtID, schoolID, staffID string) (staff.Member, error)
	ListMembers(ctx context.Context, districtID, schoolID, after string, limit int) ([]staff.Member, error)
	SetParticipation(ctx context.Context, districtID, schoolID, staffID, termID string, optedIn bool) error
	// MergeMembers writes an import's new and changed people in one transaction.
	MergeMembers(ctx context.Context, ms []staff.Member) error
	// MergeInstitutions writes an import's new and changed institutions
	// (row and schools served; courses kept) in one transaction.
	MergeInstitutions(ctx context.Context, districtID string, ins []staff.Institution) error
	// DistrictSchoolCap is the district's max_schools_per_institution (0: none).
	DistrictSchoolCap(ctx context.Context, districtID string) (int, error)
	// ImportJobs is staffing's table of import jobs (staffing.import_jobs).
	ImportJobs() *importjob.Store

	SetDistrictPolicy(ctx context.Context, districtID string, maxSchools int) error
	CreateInstitution(ctx context.Context, in staff.Institution) (staff.Institution, error)
	GetInstitution(ctx context.Context, districtID, id string) (staff.Institution, error)
	ListInstitutions(ctx context.Context, districtID string, ids []string) ([]staff.Institution, error)
	AddInstitutionSchool(ctx context.Context, districtID, id, schoolID string) error
	UpdateInstitution(ctx context.Context, districtID, id string, fn func(*staff.Institution) error) (staff.Institution, error)

	LoadWeek(ctx context.Context, districtID, schoolID string, weekStart civil.Date) (demand.Week, error)
	// GridFacts is LoadWeek, ListMembers, ListInstitutions (all) and the
	// week's Absences in one round trip; the members and institutions
	// carry only what problemOf reads for the plan's term and this school.
	GridFacts(ctx context.Context, districtID, schoolID string, weekStart civil.Date) (demand.Week, []staff.Member, []staff.Institution, []demand.Absence, error)
	ExistingAssignments(ctx context.Context, districtID, schoolID string, weekStart civil.Date) ([]demand.Assignment, error)
	Previous(ctx context.Context, districtID, schoolID string, from, to civil.Date) ([]solver.PreviousAssignment, error)
	SaveWeek(ctx context.Context, w demand.Week) error
	PlanTerm(ctx context.Context, districtID, schoolID, demandID string) (string, error)
	AssignByHand(ctx context.Context, districtID, schoolID, demandID, staffID, newID string, decide demand.ManualDecision) (demand.Assignment, string, error)
	SaveAbsence(ctx context.Context, districtID, schoolID string, ab demand.Absence, weeks []demand.Substitution) error
	Absences(ctx context.Context, districtID, schoolID string, from, to civil.Date) ([]demand.Absence, error)
	StaffAssignments(ctx context.Context, districtID, schoolID, staffID string, from, to civil.Date) ([]demand.Entry, error)
	Assignment(ctx context.Context, districtID, schoolID, assignmentID string) (demand.Entry, error)
	Unassign(ctx context.Context, districtID, schoolID, assignmentID, reason string) (demand.Entry, error)

	OpenRecord(ctx context.Context, districtID, schoolID, assignmentID string, fresh func() (hours.Record, error),
		change func(hours.Record) (hours.Record, error)) (hours.Record, error)
	UpdateRecord(ctx context.Context, districtID, schoolID, recordID string, change func(hours.Record) (hours.Record, error)) (hours.Record, error)
	RecordsOfAssignments(ctx context.Context, districtID, schoolID string, ids []string) ([]hours.Record, error)
	MonthRecords(ctx context.Context, districtID, schoolID string, from, to civil.Date) ([]hours.Record, map[string]demand.FeedRow, error)
}

// Timetable is what staffing asks timetable: schools, the district
// policy and the dated sessions.
type Timetable interface {
	School(ctx context.Context, schoolID string) (facts.School, error)
	// SchoolDistrict is a school's district, which never changes (the
	// feed may remember it).
	SchoolDistrict(ctx context.Context, schoolID string) (string, error)
	Policy(ctx context.Context, districtID, stage string) (demand.Policy, error)
	Classes(ctx context.Context, schoolID string) ([]string, error)
	CheckTerm(ctx context.Context, schoolID, termID string) error
	Occurrences(ctx context.Context, schoolID, termID string, from, to civil.Date) ([]demand.Occurrence, error)
	// StudentSessions is a child's sessions of a week (occurrence ids),
	// asked with the caller's token.
	StudentSessions(ctx context.Context, schoolID, studentID, termID string, weekOf civil.Date) ([]string, error)
}

// Zone is the wall-clock zone of school sessions (China has one).
var Zone = time.FixedZone("CST", 8*3600)

// App is staffing's use cases.
type App struct {
	store Store
	tt    Timetable
	now   func() time.Time
	jobs  *importjob.Runner
	// grids keeps the weeks' staffing grids read lately, under the change
	// feed: a grid is derived from staffing's own rows alone.
	grids *changes.Cache[gridKey, Grid]
}

// ChangesChannel is the channel staffing's triggers notify after a
// committed change to what a staffing grid is read from (migration
// 0007_change_notices).
const ChangesChannel = "kehou_staffing_changes"

// maxKeptGrids bounds the kept grids: a district's schools' current and
// next weeks fit many times over.
const maxKeptGrids = 4096

type gridKey struct {
	district, school string
	week             civil.Date
}

// New returns the use cases. With feed (the change feed of
// ChangesChannel), staffing grids are kept in memory until a change to
// the school or district is committed; nil keeps nothing.
func New(store Store, tt Timetable, feed *changes.Feed) *App {
	a := &App{store: store, tt: tt, now: time.Now, jobs: importjob.NewRunner(store.ImportJobs(), ImportPrefix),
		grids: changes.NewCache[gridKey, Grid](feed, maxKeptGrids)}
	if feed != nil {
		a.jobs.Settle = feed.Sync
	}
	return a
}

func today(t time.Time) civil.Date {
	t = t.In(Zone)
	return civil.New(t.Year(), t.Month(), t.Day())
}

// district returns timetable's NotFound for a district it does not know
// (timetable owns districts), so that a policy or an institution is never
// stored for, nor listed as empty under, a district that does not exist.
func (a *App) district(ctx context.Context, districtID string) error {
	_, err := a.tt.Policy(ctx, districtID, "")
	return err
}

// School resolves a school through timetable.
func (a *App) School(ctx context.Context, schoolID string) (facts.School, error) {
	return a.tt.School(ctx, schoolID)
}

func (a *App) checkInstructor(ctx context.Context, sc facts.School, m staff.Member) error {
	if m.Kind != staff.KindOutsideInstructor {
		return nil
	}
	in, err := a.store.GetInstitution(ctx, sc.DistrictID, m.InstitutionID)
	if err != nil {
		if errors.Is(err, fault.ErrNotFound) {
			return fault.Invalid("staff_member.institution_id", "unknown institution "+m.InstitutionID)
		}
		return err
	}
	if err := staff.CheckInstructorInstitution(in, today(a.now())); err != nil {
		return err
	}
	if !slices.Contains(in.SchoolIDs, sc.ID) {
		return fault.Precondition(fmt.Sprintf("institution_serves_school: institution %s does not serve school %s", in.ID, sc.ID))
	}
	return nil
}

// checkClasses rejects a class taught or led that is not one of the
// school's classes in timetable (an unknown id would silently never match).
func (a *App) checkClasses(ctx context.Context, sc facts.School, m staff.Member) error {
	if m.ClassTeacherOf == "" && len(m.ClassesTaught) == 0 {
		return nil
	}
	ids, err := a.tt.Classes(ctx, sc.ID)
	if err != nil {
		return err
	}
	var c fault.Collector
	if m.ClassTeacherOf != "" {
		c.Check(slices.Contains(ids, m.ClassTeacherOf), "staff_member.class_teacher_of", "unknown class "+m.ClassTeacherOf+" of school "+sc.ID)
	}
	for i, id := range m.ClassesTaught {
		c.Check(slices.Contains(ids, id), fmt.Sprintf("staff_member.classes_taught[%d]", i), "unknown class "+id+" of school "+sc.ID)
	}
	return c.Err()
}

// CreateMember registers a person at a school that timetable knows; an
// outside instructor's institution must be approved, licensed today and
// serve the school.
func (a *App) CreateMember(ctx context.Context, schoolID string, m staff.Member) (staff.Member, error) {
	m.IDCardNumber = staff.NormalizeIDCard(m.IDCardNumber)
	if err := m.Validate(); err != nil {
		return staff.Member{}, err
	}
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return staff.Member{}, err
	}
	if err := a.checkInstructor(ctx, sc, m); err != nil {
		return staff.Member{}, err
	}
	if err := a.checkClasses(ctx, sc, m); err != nil {
		return staff.Member{}, err
	}
	m.ID, m.SchoolID, m.DistrictID = staff.NewID("stf"), sc.ID, sc.DistrictID
	return a.store.CreateMember(ctx, m)
}

// UpdateMember replaces a person's profile; the kind never changes.
func (a *App) UpdateMember(ctx context.Context, schoolID string, m staff.Member) (staff.Member, error) {
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return staff.Member{}, err
	}
	old, err := a.store.GetMember(ctx, sc.DistrictID, sc.ID, m.ID)
	if err != nil {
		return staff.Member{}, err
	}
	if m.Kind == "" {
		m.Kind = old.Kind
	}
	if m.Kind != old.Kind {
		return staff.Member{}, fault.Invalid("staff_member.kind", "cannot change from "+string(old.Kind))
	}
	// The number is only ever shown masked, so an update that sends it back
	// masked, or leaves it out, keeps the stored one.
	m.IDCardNumber = staff.NormalizeIDCard(m.IDCardNumber)
	if m.IDCardNumber == "" || m.IDCardNumber == staff.MaskIDCard(old.IDCardNumber) {
		m.IDCardNumber = old.IDCardNumber
	}
	if m.Number == "" {
		m.Number = old.Number
	}
	if err := m.Validate(); err != nil {
		return staff.Member{}, err
	}
	if m.InstitutionID != old.InstitutionID {
		if err := a.checkInstructor(ctx, sc, m); err != nil {
			return staff.Member{}, err
		}
	}
	if err := a.checkClasses(ctx, sc, m); err != nil {
		return staff.Member{}, err
	}
	m.SchoolID, m.DistrictID = sc.ID, sc.DistrictID
	return a.store.UpdateMember(ctx, m)
}

// Identities returns the names and ID card numbers of a school's staff
// (those of ids, or all): the feed billing's pay sheet reads. The numbers
// are whole only when full is set (the caller is the bureau or a finance
// officer, see rpc), masked otherwise.
func (a *App) Identities(ctx context.Context, schoolID string, ids []string, full bool) ([]staff.Member, error) {
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return nil, err
	}
	ms, err := a.store.Identities(ctx, sc.DistrictID, sc.ID, ids)
	if err != nil {
		return nil, err
	}
	if !full {
		for i := range ms {
			ms[i].IDCardNumber = staff.MaskIDCard(ms[i].IDCardNumber)
		}
	}
	return ms, nil
}

// GetMember returns one person.
func (a *App) GetMember(ctx context.Context, schoolID, staffID string) (staff.Member, error) {
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return staff.Member{}, err
	}
	return a.store.GetMember(ctx, sc.DistrictID, sc.ID, staffID)
}

// ListMembers returns a page of a school's staff and the school itself.
func (a *App) ListMembers(ctx context.Context, schoolID, after string, limit int) ([]staff.Member, facts.School, error) {
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return nil, facts.School{}, err
	}
	ms, err := a.store.ListMembers(ctx, sc.DistrictID, sc.ID, after, limit)
	return ms, sc, err
}

// SetParticipation records a person's voluntary opt-in for a term.
func (a *App) SetParticipation(ctx context.Context, schoolID, staffID, termID string, optedIn bool) (staff.Member, error) {
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return staff.Member{}, err
	}
	if _, err := a.store.GetMember(ctx, sc.DistrictID, sc.ID, staffID); err != nil {
		return staff.Member{}, err
	}
	if err := a.tt.CheckTerm(ctx, sc.ID, termID); err != nil {
		if errors.Is(err, fault.ErrNotFound) {
			return staff.Member{}, fault.Invalid("term_id", "unknown term "+termID+" of school "+sc.ID)
		}
		return staff.Member{}, err
	}
	if err := a.store.SetParticipation(ctx, sc.DistrictID, sc.ID, staffID, termID, optedIn); err != nil {
		return staff.Member{}, err
	}
	return a.store.GetMember(ctx, sc.DistrictID, sc.ID, staffID)
}

// SetDistrictPolicy sets the cap on schools per institution.
func (a *App) SetDistrictPolicy(ctx context.Context, districtID string, maxSchools int) error {
	if maxSchools < 0 {
		return fault.Invalid("max_schools_per_institution", "must not be negative")
	}
	if err := a.district(ctx, districtID); err != nil {
		return err
	}
	return a.store.SetDistrictPolicy(ctx, districtID, maxSchools)
}

// CreateInstitution registers an institution with its courses.
func (a *App) CreateInstitution(ctx context.Context, in staff.Institution) (staff.Institution, error) {
	if err := in.Validate(); err != nil {
		return staff.Institution{}, err
	}
	if err := a.district(ctx, in.DistrictID); err != nil {
		return staff.Institution{}, err
	}
	in.ID = staff.NewID("inst")
	for i := range in.Courses {
		in.Courses[i].ID = staff.NewID("crs")
	}
	return a.store.CreateInstitution(ctx, in)
}

// GetInstitution returns one institution.
func (a *App) GetInstitution(ctx context.Context, districtID, id string) (staff.Institution, error) {
	return a.store.GetInstitution(ctx, districtID, id)
}

// ListInstitutions returns a district's institutions.
func (a *App) ListInstitutions(ctx context.Context, districtID string) ([]staff.Institution, error) {
	if err := a.district(ctx, districtID); err != nil {
		return nil, err
	}
	return a.store.ListInstitutions(ctx, districtID, nil)
}

// AddInstitutionSchool lets an approved institution serve a school of its
// district, within the district cap.
func (a *App) AddInstitutionSchool(ctx context.Context, districtID, id, schoolID string) (staff.Institution, error) {
	sc, err := a.tt.School(ctx, schoolID)
	if err != nil {
		return staff.Institution{}, err
	}
	if sc.DistrictID != districtID {
		return staff.Institution{}, fault.Invalid("school_id", "school "+schoolID+" is not in district "+districtID)
	}
	in, err := a.store.GetInstitution(ctx, districtID, id)
	if err != nil {
		return staff.Institution{}, err
	}
	if err := staff.CheckInstructorInstitution(in, today(a.now())); err != nil {
		return staff.Institution{}, err
	}
	if err := a.store.AddInstitutionSchool(ctx, districtID, id, sc.ID); err != nil {
		return staff.Institution{}, err
	}
	return a.store.GetInstitution(ctx, districtID, id)
}

// InstitutionPatch is what UpdateInstitution changes; a nil field stays as
// it is. Courses and SchoolIDs replace the whole list; a course with an ID
// keeps that (existing) course's id.
type InstitutionPatch struct {
	Name       *string
	LicenceNo  *string
	ValidFrom  *civil.Date
	ValidUntil *civil.Date
	Approved   *bool
	Courses    *[]staff.Course
	SchoolIDs  *[]string
}

// UpdateInstitution changes an institution in one transaction and validates
// the merged record like CreateInstitution. New schools must be schools of
// the district known to timetable, and serving one more school needs the
// institution approved and licensed today and stays within the district
// cap, as AddInstitutionSchool. Its instructors' assignability follows the
// new record at once: the solver and a hand assignment read it each time.
func (a *App) UpdateInstitution(ctx context.Context, districtID, id string, p InstitutionPatch) (staff.Institution, error) {
	if p.SchoolIDs != nil {
		var c fault.Collector
		seen := map[string]bool{}
		for i, sid := range *p.SchoolIDs {
			f := fmt.Sprintf("institution.school_ids[%d]", i)
			if seen[sid] {
				c.Add(f, "school "+sid+" is listed twice")
				continue
			}
			seen[sid] = true
			sc, err := a.tt.School(ctx, sid)
			switch {
			case errors.Is(err, fault.ErrNotFound):
				c.Add(f, "unknown school "+sid)
			case err != nil:
				return staff.Institution{}, err
			case sc.DistrictID != districtID:
				c.Add(f, "school "+sid+" is not in district "+districtID)
			}
		}
		if err := c.Err(); err != nil {
			return staff.Institution{}, err
		}
	}
	return a.store.UpdateInstitution(ctx, districtID, id, func(in *staff.Institution) error {
		before := slices.Clone(in.SchoolIDs)
		if p.Name != nil {
			in.Name = *p.Name
		}
		if p.LicenceNo != nil {
			in.LicenceNo = *p.LicenceNo
		}
		if p.ValidFrom != nil {
			in.ValidFrom = *p.ValidFrom
		}
		if p.ValidUntil != nil {
			in.ValidUntil = *p.ValidUntil
		}
		if p.Approved != nil {
			in.Approved = *p.Approved
		}
		if p.Courses != nil {
			known := map[string]bool{}
			for _, c := range in.Courses {
				known[c.ID] = true
			}
			var c fault.Collector
			courses := slices.Clone(*p.Courses)
			for i := range courses {
				switch {
				case courses[i].ID == "":
					courses[i].ID = staff.NewID("crs")
				case !known[courses[i].ID]:
					c.Add(fmt.Sprintf("institution.courses[%d].course_id", i), "unknown course "+courses[i].ID+" of institution "+id)
				}
			}
			if err := c.Err(); err != nil {
				return err
			}
			in.Courses = courses
		}
		if p.SchoolIDs != nil {
			in.SchoolIDs = slices.Clone(*p.SchoolIDs)
		}
		if err := in.Validate(); err != nil {
			return err
		}
		for _, sid := range in.SchoolIDs {
			if !slices.Contains(before, sid) {
				return staff.CheckInstructorInstitution(*in, today(a.now()))
			}
		}
		return nil
	})
}

// AuditEvents pages through staffing's audit trail (操作日志) within the
// caller's scope.
func (a *App) AuditEvents(ctx context.Context, f audit.Filter) ([]audit.Event, string, error) {
	return audit.Read(ctx, a.store, f)
}
