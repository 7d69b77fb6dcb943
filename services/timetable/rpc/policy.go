package rpc

import az "github.com/kehou/kehou/services/platform/authz"

// Policy is who may call each timetable method (docs/policies.md). The
// bureau administers every school of its district; a school administrator
// their school; teachers and instructors read their school's day and record
// what happened; parents read their children's school calendar and clubs
// and act for their own children only.
var Policy = az.Methods("kehou.timetable.v1.TimetableService", map[string]az.Rule{
	"CreateDistrict": az.Change(az.Operator),
	"GetDistrict":    az.Read(az.Operator, az.Bureau, az.Finance, az.SchoolAdmin, az.Teacher, az.Instructor, az.Parent, az.Institution),
	"ListDistricts":  az.Read(az.Operator, az.Bureau, az.Finance, az.SchoolAdmin, az.Teacher, az.Instructor, az.Parent, az.Institution),
	"UpdateDistrict": az.Change(az.Operator, az.Bureau),
	"CreateSchool":   az.Change(az.Bureau),
	"GetSchool":      az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Teacher, az.Instructor, az.Institution).ForParents(),
	"ListSchools":    az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Teacher, az.Instructor, az.Institution),
	"UpdateSchool":   az.Change(az.Bureau, az.SchoolAdmin),

	"CreateClass":         az.Change(az.Bureau, az.SchoolAdmin),
	"ListClasses":         az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Teacher, az.Instructor),
	"CreateStudent":       az.Change(az.Bureau, az.SchoolAdmin),
	"BatchCreateStudents": az.Change(az.Bureau, az.SchoolAdmin),
	"ListStudents":        az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Teacher, az.Instructor),
	"CreateRoom":          az.Change(az.Bureau, az.SchoolAdmin),
	"ListRooms":           az.Read(az.Bureau, az.SchoolAdmin, az.Teacher, az.Instructor),

	"CreateTerm":        az.Change(az.Bureau, az.SchoolAdmin),
	"GetTerm":           az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Teacher, az.Instructor).ForParents(),
	"ListTerms":         az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Teacher, az.Instructor).ForParents(),
	"CreateClosure":     az.Change(az.Bureau, az.SchoolAdmin),
	"GetCalendar":       az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Teacher, az.Instructor).ForParents(),
	"CreateServiceItem": az.Change(az.Bureau, az.SchoolAdmin),
	"ListServiceItems":  az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Teacher, az.Instructor).ForParents(),
	"CreateClub":        az.Change(az.Bureau, az.SchoolAdmin),
	"ListClubs":         az.Read(az.Bureau, az.SchoolAdmin, az.Teacher, az.Instructor).ForParents(),
	"GeneratePlan":      az.Change(az.Bureau, az.SchoolAdmin),
	"GetPlan":           az.Read(az.Bureau, az.SchoolAdmin, az.Teacher, az.Instructor),
	"ListOccurrences":   az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Teacher, az.Instructor),
	"StreamOccurrences": az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Teacher, az.Instructor).FeedFor("billing", "staffing"),
	"CancelSessions":    az.Change(az.Bureau, az.SchoolAdmin),
	"RecordDelivery":    az.Change(az.Bureau, az.SchoolAdmin, az.Teacher, az.Instructor),
	"RecordAttendance":  az.Change(az.Bureau, az.SchoolAdmin, az.Teacher, az.Instructor),
	"ListAttendance":    az.Read(az.Bureau, az.SchoolAdmin, az.Teacher, az.Instructor),

	"GetComplianceReport":      az.Read(az.Bureau, az.SchoolAdmin),
	"CreateEnrolment":          az.Change(az.Bureau, az.SchoolAdmin, az.Parent),
	"BatchCreateEnrolments":    az.Change(az.Bureau, az.SchoolAdmin),
	"ApproveEnrolment":         az.Change(az.Bureau, az.SchoolAdmin),
	"WithdrawEnrolment":        az.Change(az.Bureau, az.SchoolAdmin),
	"ListEnrolments":           az.Read(az.Bureau, az.Finance, az.SchoolAdmin, az.Parent),
	"CreateLeave":              az.Change(az.Bureau, az.SchoolAdmin, az.Parent),
	"SubmitClubChoices":        az.Change(az.Bureau, az.SchoolAdmin, az.Parent),
	"BatchSubmitClubChoices":   az.Change(az.Bureau, az.SchoolAdmin),
	"AllocateClubs":            az.Change(az.Bureau, az.SchoolAdmin),
	"JoinClub":                 az.Change(az.Bureau, az.SchoolAdmin, az.Parent),
	"LeaveClub":                az.Change(az.Bureau, az.SchoolAdmin, az.Parent),
	"ListClubMembers":          az.Read(az.Bureau, az.SchoolAdmin, az.Teacher, az.Instructor),
	"StreamEnrolmentIntervals": az.Read(az.Bureau, az.Finance, az.SchoolAdmin).FeedFor("billing"),

	// A child's week with names (item, club, room) is for the child's
	// guardians and the school; the student_id is always named, so a
	// parent reads only their own children.
	"GetStudentWeek": az.Read(az.Bureau, az.SchoolAdmin, az.Teacher, az.Instructor, az.Parent),

	"ListAuditEvents": az.Read(az.Bureau, az.Finance),
	// The roster with full guardian phones is identity's feed (parents'
	// accounts linked from the roster): its service credential, beside an
	// administrator's token.
	"ListRosterContacts": az.Read(az.Bureau, az.SchoolAdmin).FeedFor("identity"),
	// Rosters carry guardians' phones and hardship: only those who
	// administer the school import and export them.
	"UploadImport":  az.Change(az.Bureau, az.SchoolAdmin),
	"GetImport":     az.Read(az.Bureau, az.SchoolAdmin),
	"ExportRecords": az.Read(az.Bureau, az.SchoolAdmin),
})

// AuditedReads are the reads of children's personal data in bulk that the
// audit trail records (操作日志), with the object kind it records them as.
var AuditedReads = map[string]string{
	"/kehou.timetable.v1.TimetableService/ListStudents":       "student",
	"/kehou.timetable.v1.TimetableService/ListClubMembers":    "club_member",
	"/kehou.timetable.v1.TimetableService/ListAttendance":     "attendance",
	"/kehou.timetable.v1.TimetableService/ListRosterContacts": "roster_contact",
}
