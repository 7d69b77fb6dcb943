package system_test

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/system"
	"github.com/kehou/kehou/services/system/systemtest"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	// The generated packages register their descriptors for the gRPC half.
	_ "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	_ "github.com/kehou/kehou/proto/gen/kehou/identity/v1"
	_ "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	_ "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
)

// expected is the authorization matrix, written out independently of the
// services' policy tables: for each operation (by its OpenAPI id, i.e.
// service and method) the roles that may call it — O operator, B bureau
// admin, F finance officer, S school admin, T teacher, I instructor,
// P parent, M institution manager; "public" needs no token; "signed-in"
// lets any token through to a use case that scopes itself; "feed:svc:" is
// a method for service svc alone (with its service credential, the roles
// after it; without it nobody). A route of the route table without a row
// here fails the test.
var expected = map[string]string{
	"IdentityService_SignIn": "public", "IdentityService_RefreshSession": "public", "IdentityService_SignOut": "public",
	"IdentityService_ChangePassword": "public", "IdentityService_GetCurrentAccount": "signed-in",
	"IdentityService_CreateAccount": "signed-in", "IdentityService_ListAccounts": "signed-in",
	"IdentityService_LinkGuardian": "signed-in", "IdentityService_ResetPassword": "signed-in",

	// The audit trails: bureau and finance read their district's.
	"IdentityService_ListAuditEvents": "BF", "TimetableService_ListAuditEvents": "BF",
	"StaffingService_ListAuditEvents": "BF", "BillingService_ListAuditEvents": "BF",
	"IdentityService_LinkRosterGuardians": "S", "TimetableService_ListRosterContacts": "feed:identity:BS",

	"TimetableService_CreateDistrict": "O", "TimetableService_GetDistrict": "OBFSTIPM", "TimetableService_ListDistricts": "OBFSTIPM",
	"TimetableService_UpdateDistrict": "OB", "TimetableService_CreateSchool": "B", "TimetableService_GetSchool": "BFSTIPM",
	"TimetableService_ListSchools": "BFSTIM", "TimetableService_UpdateSchool": "BS",
	"TimetableService_CreateClass": "BS", "TimetableService_ListClasses": "BFSTI", "TimetableService_CreateStudent": "BS", "TimetableService_BatchCreateStudents": "BS",
	"TimetableService_ListStudents": "BFSTI", "TimetableService_CreateRoom": "BS", "TimetableService_ListRooms": "BSTI",
	"TimetableService_CreateTerm": "BS", "TimetableService_GetTerm": "BFSTIP", "TimetableService_ListTerms": "BFSTIP",
	"TimetableService_CreateClosure": "BS", "TimetableService_GetCalendar": "BFSTIP", "TimetableService_CreateServiceItem": "BS",
	"TimetableService_ListServiceItems": "BFSTIP", "TimetableService_CreateClub": "BS", "TimetableService_ListClubs": "BSTIP",
	"TimetableService_GeneratePlan": "BS", "TimetableService_GetPlan": "BSTI", "TimetableService_ListOccurrences": "BFSTI",
	"TimetableService_StreamOccurrences": "feed:staffing:BFSTI", "TimetableService_CancelSessions": "BS", "TimetableService_RecordDelivery": "BSTI",
	"TimetableService_RecordAttendance": "BSTI", "TimetableService_ListAttendance": "BSTI", "TimetableService_GetComplianceReport": "BS",
	"TimetableService_CreateEnrolment": "BSP", "TimetableService_BatchCreateEnrolments": "BS", "TimetableService_ApproveEnrolment": "BS", "TimetableService_WithdrawEnrolment": "BS",
	"TimetableService_ListEnrolments": "BFSP", "TimetableService_GetStudentWeek": "BSTIP", "TimetableService_CreateLeave": "BSP", "TimetableService_SubmitClubChoices": "BSP",
	"TimetableService_BatchSubmitClubChoices": "BS", "TimetableService_AllocateClubs": "BS", "TimetableService_JoinClub": "BSP", "TimetableService_LeaveClub": "BSP",
	"TimetableService_ListClubMembers": "BSTI", "TimetableService_StreamEnrolmentIntervals": "feed:billing:BFS",
	"TimetableService_UploadImport": "BS", "TimetableService_GetImport": "BS", "TimetableService_ExportRecords": "BS",
	"StaffingService_UploadImport": "BS", "StaffingService_GetImport": "BS", "StaffingService_ExportRecords": "BS",

	"StaffingService_CreateStaffMember": "BS", "StaffingService_ListStaff": "BS", "StaffingService_GetStaffMember": "BSTI",
	"StaffingService_UpdateStaffMember": "BS", "StaffingService_SetTermParticipation": "BSTI",
	"StaffingService_SetDistrictStaffingPolicy": "B", "StaffingService_CreateInstitution": "B", "StaffingService_GetInstitution": "BSM",
	"StaffingService_ListInstitutions": "BS", "StaffingService_UpdateInstitution": "B", "StaffingService_AddInstitutionSchool": "B",
	"StaffingService_SolveWeek": "BS", "StaffingService_GetStaffingGrid": "BS", "StaffingService_AssignStaff": "BS",
	"StaffingService_UnassignStaff": "BS", "StaffingService_ReportAbsence": "BS", "StaffingService_GetStaffTimetable": "BSTI",
	"StaffingService_CheckIn": "BSTI", "StaffingService_CheckOut": "BSTI", "StaffingService_AmendHourRecord": "BS",
	"StaffingService_ApproveHourRecord": "BS", "StaffingService_LockHourRecord": "BS", "StaffingService_CorrectHourRecord": "BS",
	"StaffingService_StreamApprovedHours": "feed:billing:BFS", "StaffingService_ListStaffIdentities": "feed:billing:BFS", "StaffingService_ListStudentTeachers": "BSP",

	"BillingService_GetSchoolBalance": "BF", "BillingService_CreatePriceCeiling": "BF", "BillingService_ListPriceCeilings": "BFS", "BillingService_CreateFeeSchedule": "BF", "BillingService_GetFeeSchedule": "BFS",
	"BillingService_ListFeeSchedules": "BFS", "BillingService_PutCostSheet": "BFS", "BillingService_GetCostSheet": "BFS",
	"BillingService_CreateFeeRun": "BF", "BillingService_GetFeeRun": "BF", "BillingService_ListFeeRuns": "BF", "BillingService_VerifyFeeRun": "BF",
	"BillingService_PreviewFeeRun": "BF", "BillingService_ListStudentStatements": "BFSP", "BillingService_ListClaims": "BF",
	"PaymentService_RecordPayment": "BF", "PaymentService_ListPayments": "BFSP", "PaymentService_CreateRefund": "BF",
	"PaymentService_ApplyCredit": "BF", "PaymentService_CreateWriteOff": "BF", "PaymentService_SettleTerm": "BF",
	"PaymentService_ListBalances": "BFSP", "PaymentService_ListOverdue": "BFS", "PaymentService_GetLedgerBalances": "BF",
	"PaymentService_GetTrialBalance": "BF", "PaymentService_ListProviderPayables": "BF",
	"PaymentService_RecordPayerReceipt": "BF", "PaymentService_ListPayerReceipts": "BF",
	"RemunerationService_GetPayBasis": "BFS", "RemunerationService_CreateRateTable": "BF",
	"RemunerationService_GetRateTable": "BFS", "RemunerationService_ListRateTables": "BFS",
	"RemunerationService_CreatePayRun": "BF", "RemunerationService_GetPayRun": "BFS", "RemunerationService_ListPayRuns": "BFS", "RemunerationService_VerifyPayRun": "BF",
	"RemunerationService_PayMonth": "BF", "RemunerationService_ListStaffPayStatements": "BFSTI",
	"ExportService_ExportPaySheet": "BFS", "ExportService_ExportStaffPayStatement": "BFSTI", "ExportService_ExportPublicStatement": "BFS",
	"ExportService_ExportReconciliation": "BF", "ExportService_ExportInstitutionSettlement": "BFM",
	"ReconciliationService_GetInstitutionSettlement": "BFM", "ExportService_ExportClaims": "BF",
	"ExportService_ExportFeeStatements": "BFS",
	"BillingService_UploadImport":       "BF", "BillingService_GetImport": "BF", "BillingService_ExportRecords": "BFS",
	"ReconciliationService_GetReconciliation": "BF", "ReconciliationService_GetDistrictReconciliation": "BF",
	"ReconciliationService_SetShareLimits": "BF", "ReconciliationService_GetShareLimits": "BF",
	"ReconciliationService_PayInstitutionSettlement": "BF",
}

// grpcOnly are the methods without an HTTP route (feeds between services);
// the gRPC half of the matrix checks them.
// (Staffing's imports and exports are reached over HTTP through the
// shared routes, which the gateway routes by kind or id: timetable's rows.)
var grpcOnly = map[string]bool{"TimetableService_ListRosterContacts": true, "StaffingService_ListStaffIdentities": true,
	"StaffingService_UploadImport": true, "StaffingService_GetImport": true, "StaffingService_ExportRecords": true}

// reads are the routes and methods that change nothing though their method
// or name does not say so (out of scope: 404, not 403).
var reads = map[string]bool{"BillingService_VerifyFeeRun": true, "BillingService_PreviewFeeRun": true,
	"RemunerationService_VerifyPayRun": true, "TimetableService_ExportRecords": true, "BillingService_ExportRecords": true,
	"StaffingService_ExportRecords": true}

// bodies are the smallest bodies that name the caller's scope where a
// route takes it from the body (a child for parents, a school for a
// school-scoped closure).
var bodies = map[string]map[string]any{"TimetableService_CreateEnrolment": {"student_id": "<child>"},
	"TimetableService_JoinClub": {"student_id": "<child>"}, "TimetableService_SubmitClubChoices": {"student_id": "<child>"},
	"TimetableService_CreateClosure": {"school_id": "<school>"}}

// parentQuery names the parent's child on list routes that filter by student.
var parentQuery = map[string]string{"PaymentService_ListPayments": "student_id", "PaymentService_ListBalances": "student_id",
	"TimetableService_ListEnrolments": "student_id"}

// schoolQuery names school A on routes that take the school from the
// query (the import upload, whose body is the file).
var schoolQuery = map[string]bool{"TimetableService_UploadImport": true}

// districtQuery names the district on billing's import upload, which
// takes it from the query.
var districtQuery = map[string]bool{"BillingService_UploadImport": true}

type route struct{ op, method, path string }

func routes(t *testing.T) []route {
	t.Helper()
	raw, err := os.ReadFile("../../gateway/openapi/kehou.swagger.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var out []route
	for p, ms := range doc.Paths {
		for m, o := range ms {
			out = append(out, route{o.OperationID, strings.ToUpper(m), p})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].op+out[i].method < out[j].op+out[j].method })
	return out
}

// matrixWorld is a district with two schools and a child of parent A in
// school A, plus another district; tokens for every role and every kind of
// bad token.
type matrixWorld struct {
	env              *systemtest.Env
	schoolA, schoolB string
	childA, childB   string
	tokens           map[string]string // role letter → token
	bad              map[string]string // kind → token
	parentA          auth.Principal
}

func newMatrixWorld(t *testing.T, edit func(*system.Config)) matrixWorld {
	env := systemtest.StartWith(t, edit)
	env.District(t, "350402")
	w := matrixWorld{env: env}
	w.schoolA = env.School(t, "350402", "甲小学", "SCHOOL_STAGE_PRIMARY")
	w.schoolB = env.School(t, "350402", "乙小学", "SCHOOL_STAGE_PRIMARY")
	class := systemtest.Str(env.MustDo(t, "POST", "/v1/schools/"+w.schoolA+"/classes", map[string]any{"grade": 3, "name": "三(1)班", "size": 40}), "class", "class_id")
	student := func(name, phone string) string {
		return systemtest.Str(env.MustDo(t, "POST", "/v1/schools/"+w.schoolA+"/students", map[string]any{"class_id": class, "name": name,
			"hardship_category": "HARDSHIP_CATEGORY_DIBAO",
			"guardians":         []any{map[string]any{"name": name + "妈妈", "phone": phone, "relation": "母亲"}}}), "student", "student_id")
	}
	w.childA, w.childB = student("王小明", "13812341234"), student("李小红", "13912345678")
	mint := func(p auth.Principal) string { return env.Mint(p) }
	w.parentA = auth.Principal{AccountID: "acc_pa", Role: auth.RoleParent, DistrictID: "350402",
		Students: []auth.StudentRef{{SchoolID: w.schoolA, StudentID: w.childA}}}
	w.tokens = map[string]string{
		"O": mint(systemtest.OperatorPrincipal),
		"B": mint(systemtest.Bureau("350402")),
		"F": mint(auth.Principal{AccountID: "acc_f", Role: auth.RoleFinanceOfficer, DistrictID: "350402"}),
		"S": mint(auth.Principal{AccountID: "acc_s", Role: auth.RoleSchoolAdmin, DistrictID: "350402", SchoolID: w.schoolA}),
		"T": mint(auth.Principal{AccountID: "acc_t", Role: auth.RoleTeacher, DistrictID: "350402", SchoolID: w.schoolA, StaffID: "stf_t"}),
		// The instructor is the teacher's colleague with the same staff record
		// id on purpose: routes naming a staff record name theirs.
		"I": mint(auth.Principal{AccountID: "acc_i", Role: auth.RoleInstructor, DistrictID: "350402", SchoolID: w.schoolA, StaffID: "stf_t", InstitutionID: "inst_x"}),
		"P": mint(w.parentA),
		"M": mint(auth.Principal{AccountID: "acc_m", Role: auth.RoleInstitutionManager, DistrictID: "350402", InstitutionID: "inst_x"}),
	}
	_, other := systemtest.NewAuth(t)
	good := w.tokens["B"]
	parts := strings.Split(good, ".")
	sig := []byte(parts[2])
	sig[3] ^= 1
	w.bad = map[string]string{
		"expired":   env.Minter.Expired(systemtest.Bureau("350402")),
		"other key": other.Token(systemtest.Bureau("350402")),
		"altered":   parts[0] + "." + parts[1] + "." + string(sig),
	}
	return w
}

var routeParam = regexp.MustCompile(`\{([a-z_.]+)\}`)

// fill puts the world's ids into a route's path: the district, school A,
// parent A's child; other ids are made up (their answer is a 404 from the
// use case, or a 400, never a 401 or 403).
func (w matrixWorld) fill(path string) string {
	return routeParam.ReplaceAllStringFunc(path, func(m string) string {
		name := m[1 : len(m)-1]
		switch {
		case strings.HasSuffix(name, "district_id"):
			return "350402"
		case strings.HasSuffix(name, "school_id"):
			return w.schoolA
		case strings.HasSuffix(name, "student_id"):
			return w.childA
		case strings.HasSuffix(name, "staff_id"):
			return "stf_t"
		}
		return "x_" + strings.ReplaceAll(name, ".", "_")
	})
}

func letters() []string { return []string{"O", "B", "F", "S", "T", "I", "P", "M"} }

// TestAuthorizationMatrix: every HTTP route × every role, no token and
// three bad tokens → the expected answer.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	// The gateway reaches the services over gRPC connections, or in process
	// (the default of `kehou serve`): each service enforces the same either way.
	for name, edit := range map[string]func(*system.Config){
		"network":    nil,
		"in process": func(c *system.Config) { c.InProcess = true },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkMatrixOverHTTP(t, newMatrixWorld(t, edit))
		})
	}
}

func checkMatrixOverHTTP(t *testing.T, w matrixWorld) {
	rs := routes(t)
	if len(rs) < 100 {
		t.Fatalf("only %d routes in the route table", len(rs))
	}
	seen := map[string]bool{}
	for _, r := range rs {
		want, ok := expected[r.op]
		if !ok {
			t.Errorf("route %s %s (%s) has no row in the authorization matrix", r.method, r.path, r.op)
			continue
		}
		seen[r.op] = true
		path := w.fill(r.path)
		if q := parentQuery[r.op]; q != "" {
			path += "?" + q + "=" + w.childA
		}
		if schoolQuery[r.op] {
			path += "?school_id=" + w.schoolA
		}
		if districtQuery[r.op] {
			path += "?district_id=350402"
		}
		var body any
		if r.method != "GET" {
			b := map[string]any{}
			for k, v := range bodies[r.op] {
				b[k] = strings.NewReplacer("<child>", w.childA, "<school>", w.schoolA).Replace(v.(string))
			}
			body = b
		}
		call := func(tok string) systemtest.Response {
			return w.env.As(tok).Do(t, r.method, path, body)
		}
		for kind, tok := range w.bad {
			if got := call(tok); got.Code != 401 {
				t.Errorf("%s %s with a %s token: %d, want 401: %.200s", r.method, path, kind, got.Code, got.Raw)
			}
		}
		none := call("")
		switch want {
		case "public":
			if none.Code == 401 || none.Code == 403 {
				t.Errorf("public %s %s without a token: %d", r.method, path, none.Code)
			}
			continue
		default:
			if none.Code != 401 {
				t.Errorf("%s %s without a token: %d, want 401: %.200s", r.method, path, none.Code, none.Raw)
			}
		}
		if want == "signed-in" {
			continue // the use case scopes (services/identity tests)
		}
		if strings.HasPrefix(want, "feed:") {
			// The gateway carries no service credential: a feed is nobody's here.
			for _, l := range letters() {
				if got := call(w.tokens[l]); got.Code != 403 {
					t.Errorf("feed %s %s as %s: %d, want 403: %.200s", r.method, path, l, got.Code, got.Raw)
				}
			}
			continue
		}
		write := r.method != "GET" && !reads[r.op]
		for _, l := range letters() {
			got := call(w.tokens[l])
			allowed := strings.Contains(want, l)
			switch {
			case allowed && (got.Code == 401 || got.Code == 403):
				t.Errorf("%s %s as %s: %d, want it allowed: %.200s", r.method, path, l, got.Code, got.Raw)
			case !allowed && write && got.Code != 403:
				t.Errorf("%s %s as %s: %d, want 403: %.200s", r.method, path, l, got.Code, got.Raw)
			case !allowed && !write && got.Code != 404:
				t.Errorf("%s %s as %s: %d, want 404: %.200s", r.method, path, l, got.Code, got.Raw)
			}
		}
	}
	for op := range expected {
		if !seen[op] && !grpcOnly[op] {
			t.Errorf("matrix row %s has no route", op)
		}
	}
}

// TestAuthorizationMatrixOnGRPCPorts: the same matrix straight on each
// service's gRPC port, with requests naming the same scope.
func TestAuthorizationMatrixOnGRPCPorts(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t, nil)
	run := w.env.Run
	ports := map[string]string{"kehou.timetable.v1.TimetableService": run.TimetableAddr, "kehou.staffing.v1.StaffingService": run.StaffingAddr,
		"kehou.billing.v1.BillingService": run.BillingAddr, "kehou.billing.v1.PaymentService": run.BillingAddr,
		"kehou.billing.v1.RemunerationService": run.BillingAddr, "kehou.identity.v1.IdentityService": run.IdentityAddr}
	n := 0
	for svc, addr := range ports {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
		if err != nil {
			t.Fatal(err)
		}
		methods := d.(protoreflect.ServiceDescriptor).Methods()
		short := svc[strings.LastIndex(svc, ".")+1:]
		for i := 0; i < methods.Len(); i++ {
			m := methods.Get(i)
			op := short + "_" + string(m.Name())
			want, ok := expected[op]
			if !ok {
				t.Errorf("gRPC method %s has no row in the authorization matrix", op)
				continue
			}
			if want == "public" || want == "signed-in" {
				continue
			}
			n++
			full := "/" + svc + "/" + string(m.Name())
			var callOpts []grpc.CallOption
			call := func(tok string) codes.Code {
				ctx := context.Background()
				if tok != "" {
					ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+tok)
				}
				req := w.request(m.Input())
				if m.IsStreamingServer() {
					s, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, full, callOpts...)
					if err != nil {
						return status.Code(err)
					}
					if err := s.SendMsg(req); err != nil {
						return status.Code(err)
					}
					_ = s.CloseSend()
					return status.Code(s.RecvMsg(dynamicpb.NewMessage(m.Output())))
				}
				return status.Code(conn.Invoke(ctx, full, req, dynamicpb.NewMessage(m.Output()), callOpts...))
			}
			if feed, ok := strings.CutPrefix(want, "feed:"); ok {
				// Without the service's credential nobody may read the
				// feed; with it, the roles of the row, in their scope.
				for _, l := range letters() {
					if got := call(w.tokens[l]); got != codes.PermissionDenied {
						t.Errorf("feed %s as %s without a service credential: %v, want PermissionDenied", full, l, got)
					}
				}
				svc, roles, _ := strings.Cut(feed, ":")
				creds, ok := run.ServiceCredentials(system.Part(svc))
				if !ok {
					t.Fatalf("%s has no service credential", svc)
				}
				callOpts = []grpc.CallOption{grpc.PerRPCCredentials(creds)}
				want = roles
			}
			for kind, tok := range w.bad {
				if got := call(tok); got != codes.Unauthenticated {
					t.Errorf("%s with a %s token: %v, want Unauthenticated", full, kind, got)
				}
			}
			if got := call(""); got != codes.Unauthenticated {
				t.Errorf("%s without a token: %v, want Unauthenticated", full, got)
			}
			write := !strings.HasPrefix(string(m.Name()), "Get") && !strings.HasPrefix(string(m.Name()), "List") &&
				!strings.HasPrefix(string(m.Name()), "Stream") && !reads[op]
			for _, l := range letters() {
				got := call(w.tokens[l])
				allowed := strings.Contains(want, l)
				switch {
				case allowed && (got == codes.Unauthenticated || got == codes.PermissionDenied):
					t.Errorf("%s as %s: %v, want it allowed", full, l, got)
				case !allowed && write && got != codes.PermissionDenied:
					t.Errorf("%s as %s: %v, want PermissionDenied", full, l, got)
				case !allowed && !write && got != codes.NotFound:
					t.Errorf("%s as %s: %v, want NotFound", full, l, got)
				}
			}
		}
	}
	if n < 90 {
		t.Errorf("checked %d gRPC methods, want every guarded one", n)
	}
}

// request builds a request naming the world's scope in its top-level and
// first-level scope fields, as a gateway call on the same route would.
func (w matrixWorld) request(md protoreflect.MessageDescriptor) *dynamicpb.Message {
	msg := dynamicpb.NewMessage(md)
	var set func(m *dynamicpb.Message, depth int)
	set = func(m *dynamicpb.Message, depth int) {
		fields := m.Descriptor().Fields()
		for i := 0; i < fields.Len(); i++ {
			f := fields.Get(i)
			if f.IsList() || f.IsMap() {
				continue
			}
			switch {
			case f.Kind() == protoreflect.StringKind && f.Name() == "district_id":
				m.Set(f, protoreflect.ValueOfString("350402"))
			case f.Kind() == protoreflect.StringKind && f.Name() == "school_id":
				m.Set(f, protoreflect.ValueOfString(w.schoolA))
			case f.Kind() == protoreflect.StringKind && f.Name() == "student_id":
				m.Set(f, protoreflect.ValueOfString(w.childA))
			case f.Kind() == protoreflect.StringKind && f.Name() == "staff_id":
				m.Set(f, protoreflect.ValueOfString("stf_t"))
			case f.Kind() == protoreflect.MessageKind && depth == 0 && f.Message().FullName() != "google.protobuf.Timestamp":
				sub := dynamicpb.NewMessage(f.Message())
				set(sub, 1)
				m.Set(f, protoreflect.ValueOfMessage(sub))
			}
		}
	}
	set(msg, 0)
	return msg
}

// TestParentsAndTeachersSeeOnlyTheirs: parent A reading parent B's child
// gets 404 and changing it 403; a teacher's roster masks guardians' phones
// and hides hardship; nobody's list shows a full phone number.
func TestParentsAndTeachersSeeOnlyTheirs(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t, func(c *system.Config) { c.InProcess = true })
	parent := w.env.As(w.tokens["P"])
	mine := parent.Do(t, "GET", "/v1/schools/"+w.schoolA+"/students/"+w.childA+"/terms/x/statements", nil)
	if mine.Code == 401 || mine.Code == 403 || (mine.Code == 404 && strings.Contains(mine.Raw, `"not found"`)) {
		t.Errorf("parent A reading their own child's statements: %d %s", mine.Code, mine.Raw)
	}
	theirs := parent.Do(t, "GET", "/v1/schools/"+w.schoolA+"/students/"+w.childB+"/terms/x/statements", nil)
	if theirs.Code != 404 {
		t.Errorf("parent A reading parent B's child's statements: %d, want 404: %s", theirs.Code, theirs.Raw)
	}
	leave := parent.Do(t, "POST", "/v1/schools/"+w.schoolA+"/students/"+w.childB+"/leaves", map[string]any{})
	if leave.Code != 403 {
		t.Errorf("parent A changing parent B's child (a leave): %d, want 403: %s", leave.Code, leave.Raw)
	}
	if r := parent.Do(t, "GET", "/v1/schools/"+w.schoolA+"/payments?student_id="+w.childB, nil); r.Code != 404 {
		t.Errorf("parent A listing parent B's child's payments: %d, want 404", r.Code)
	}
	if r := parent.Do(t, "GET", "/v1/schools/"+w.schoolA+"/students", nil); r.Code != 404 {
		t.Errorf("parent listing the roster: %d, want 404", r.Code)
	}
	roster := w.env.As(w.tokens["T"]).MustDo(t, "GET", "/v1/schools/"+w.schoolA+"/students", nil)
	raw, _ := json.Marshal(roster)
	if strings.Contains(string(raw), "13812341234") || !strings.Contains(string(raw), "138****1234") {
		t.Errorf("a teacher's roster shows a full phone or no masked one: %s", raw)
	}
	if strings.Contains(string(raw), "DIBAO") {
		t.Errorf("a teacher's roster shows a hardship category: %s", raw)
	}
	admin, _ := json.Marshal(w.env.As(w.tokens["S"]).MustDo(t, "GET", "/v1/schools/"+w.schoolA+"/students", nil))
	if strings.Contains(string(admin), "13812341234") || !strings.Contains(string(admin), "DIBAO") {
		t.Errorf("the school admin's roster: want masked phones and the hardship category: %s", admin)
	}
	// Another school's teacher or another district's bureau sees nothing of school A.
	other := w.env.Mint(auth.Principal{AccountID: "acc_t2", Role: auth.RoleTeacher, DistrictID: "350402", SchoolID: w.schoolB, StaffID: "stf_2"})
	if r := w.env.As(other).Do(t, "GET", "/v1/schools/"+w.schoolA+"/students", nil); r.Code != 404 {
		t.Errorf("school B's teacher reading school A's roster: %d, want 404", r.Code)
	}
	if r := w.env.As(w.env.Mint(systemtest.Bureau("350499"))).Do(t, "GET", "/v1/schools/"+w.schoolA+"/students", nil); r.Code != 404 {
		t.Errorf("another district's bureau reading school A's roster: %d, want 404", r.Code)
	}
}

// TestAnotherSchoolIsRefused: on every route naming a school that a school
// administrator may call, naming another school of the same district
// answers 404 for a read and 403 for a change, in every service — the
// scope is refused before the school is looked up, so the answer does not
// depend on whether the caller could see that school.
func TestAnotherSchoolIsRefused(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t, func(c *system.Config) { c.InProcess = true })
	admin := w.env.As(w.tokens["S"])
	checked := map[string]int{}
	for _, r := range routes(t) {
		want := expected[r.op]
		if !strings.Contains(r.path, "{school_id}") || want == "public" || want == "signed-in" || strings.HasPrefix(want, "feed:") || !strings.Contains(want, "S") {
			continue
		}
		path := strings.Replace(w.fill(r.path), w.schoolA, w.schoolB, 1)
		var body any
		if r.method != "GET" {
			body = map[string]any{}
		}
		got := admin.Do(t, r.method, path, body)
		write := r.method != "GET" && !reads[r.op]
		code := 404
		if write {
			code = 403
		}
		if got.Code != code {
			t.Errorf("%s %s as school A's administrator naming school B: %d, want %d: %.200s", r.method, path, got.Code, code, got.Raw)
		}
		checked[strings.SplitN(r.op, "_", 2)[0]]++
	}
	for _, svc := range []string{"TimetableService", "StaffingService", "BillingService"} {
		if checked[svc] == 0 {
			t.Errorf("no route of %s checked", svc)
		}
	}
	t.Logf("routes checked per service: %v", checked)
}
