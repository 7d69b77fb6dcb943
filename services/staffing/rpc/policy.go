package rpc

import az "github.com/kehou/kehou/services/platform/authz"

// Policy is who may call each staffing method (docs/policies.md): the
// bureau and school administrators plan and approve; teachers and
// instructors read their own timetable and record their own hours;
// institution managers read their institution.
var Policy = az.Methods("kehou.staffing.v1.StaffingService", map[string]az.Rule{
	"CreateStaffMember":         az.Change(az.Bureau, az.SchoolAdmin),
	"ListStaff":                 az.Read(az.Bureau, az.SchoolAdmin),
	"GetStaffMember":            az.Read(az.Bureau, az.SchoolAdmin, az.Teacher, az.Instructor),
	"UpdateStaffMember":         az.Change(az.Bureau, az.SchoolAdmin),
	"SetTermParticipation":      az.Change(az.Bureau, az.SchoolAdmin, az.Teacher, az.Instructor),
	"SetDistrictStaffingPolicy": az.Change(az.Bureau),
	"CreateInstitution":         az.Change(az.Bureau),
	"GetInstitution":            az.Read(az.Bureau, az.SchoolAdmin, az.Institution),
	"ListInstitutions":          az.Read(az.Bureau, az.SchoolAdmin),
	"UpdateInstitution":         az.Change(az.Bureau),
	"AddInstitutionSchool":      az.Change(az.Bureau),
	"SolveWeek":                 az.Change(az.Bureau, az.SchoolAdmin),
	"GetStaffingGrid":           az.Read(az.Bureau, az.SchoolAdmin),
	"AssignStaff":               az.Change(az.Bureau, az.SchoolAdmin),
	"UnassignStaff":             az.Change(az.Bureau, az.SchoolAdmin),
	"ReportAbsence":             az.Change(az.Bureau, az.SchoolAdmin),
	"GetStaffTimetable":         az.Read(az.Bureau, az.SchoolAdmin, az.Teacher, az.Instructor),
	"CheckIn":                   az.Change(az.Bureau, az.SchoolAdmin, az.Teacher, az.Instructor),
	"CheckOut":                  az.Change(az.Bureau, az.SchoolAdmin, az.Teacher, az.Instructor),
	"AmendHourRecord":           az.Change(az.Bureau, az.SchoolAdmin),
	"ApproveHourRecord":         az.Change(az.Bureau, az.SchoolAdmin),
	"LockHourRecord":            az.Change(az.Bureau, az.SchoolAdmin),
	"CorrectHourRecord":         az.Change(az.Bureau, az.SchoolAdmin),
	// The approved-hours feed is billing's (pay runs, fees): only billing's
	// service credential opens it, with the user's token beside it.
	"StreamApprovedHours": az.Read(az.Bureau, az.Finance, az.SchoolAdmin).FeedFor("billing"),
	// Names and ID card numbers for billing's pay sheet: billing's
	// credential only; the numbers are whole for bureau and finance.
	"ListStaffIdentities": az.Read(az.Bureau, az.Finance, az.SchoolAdmin).FeedFor("billing"),
	"ListAuditEvents":     az.Read(az.Bureau, az.Finance),
	// Who teaches a child's sessions, by name: for the child's guardians
	// and the school; the student_id is always named, and timetable is
	// asked for the child's sessions with the caller's token.
	"ListStudentTeachers": az.Read(az.Bureau, az.SchoolAdmin, az.Parent),
	// Imports and exports of the staff list, as timetable's of the roster.
	"UploadImport":  az.Change(az.Bureau, az.SchoolAdmin),
	"GetImport":     az.Read(az.Bureau, az.SchoolAdmin),
	"ExportRecords": az.Read(az.Bureau, az.SchoolAdmin),
})

// AuditedReads are the reads of personal data in bulk that the audit trail
// records (操作日志), with the object kind it records them as.
var AuditedReads = map[string]string{
	"/kehou.staffing.v1.StaffingService/ListStaff":           "staff_member",
	"/kehou.staffing.v1.StaffingService/ListStaffIdentities": "staff_identity",
	"/kehou.staffing.v1.StaffingService/ExportRecords":       "staff_member",
}
