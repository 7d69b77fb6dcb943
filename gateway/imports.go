package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// ImportRoute takes a spreadsheet as the raw request body, not JSON: it is
// always an upload route (MaxUploadBytes), and the body goes on to the
// client-streaming UploadImport of the service that owns the kind, in
// chunks as it arrives.
const ImportRoute = "POST /v1/imports"

// uploadChunk is how much of a body one UploadImport message carries.
const uploadChunk = 1 << 20

// importKinds says which service owns each import kind. The upload route
// and `kehou import` (which calls it) route by it: one code path for both.
var importKinds = map[string]string{
	"students": "timetable", "classes": "timetable", "rooms": "timetable", "clubs": "timetable",
	"staff": "staffing", "institutions": "staffing",
	"fee_schedules": "billing", "rate_tables": "billing",
}

// importer is one service's side of the import routes: its UploadImport
// and GetImport, behind the shared shapes (every UploadImportResponse and
// GetImportResponse has the kehou.common.v1.ImportJob as "import").
type importer struct {
	// prefix starts the import ids the service gives (importjob.Runner's
	// Prefix): GET …/imports/{import_id} goes to the service by it.
	prefix string
	// method is UploadImport's full gRPC name, for the call's metadata.
	method string
	upload func(ctx context.Context) (uploadStream, error)
	// get reads a job of a school, or (schoolID "") of a district.
	get func(ctx context.Context, schoolID, districtID, importID string) (proto.Message, error)
}

// uploadStream is a client-streaming UploadImport call.
type uploadStream interface {
	// send sends the next chunk; the first message also carries q's options.
	send(q url.Values, chunk []byte, first bool) error
	CloseSend() error
	closeAndRecv() (proto.Message, error)
}

// clientStream adapts a service's generated UploadImport client stream.
type clientStream[Req, Resp any] struct {
	grpc.ClientStreamingClient[Req, Resp]
	build func(q url.Values, chunk []byte, first bool) *Req
}

func (c clientStream[Req, Resp]) send(q url.Values, chunk []byte, first bool) error {
	return c.Send(c.build(q, chunk, first))
}

func (c clientStream[Req, Resp]) closeAndRecv() (proto.Message, error) {
	resp, err := c.CloseAndRecv()
	if err != nil {
		return nil, err
	}
	return any(resp).(proto.Message), nil
}

// timetableImporter serves students, classes, rooms and clubs.
func timetableImporter(tt timetablev1.TimetableServiceClient) importer {
	return importer{
		prefix: "imp_",
		method: "/kehou.timetable.v1.TimetableService/UploadImport",
		upload: func(ctx context.Context) (uploadStream, error) {
			s, err := tt.UploadImport(ctx)
			if err != nil {
				return nil, err
			}
			return clientStream[timetablev1.UploadImportRequest, timetablev1.UploadImportResponse]{s,
				func(q url.Values, chunk []byte, first bool) *timetablev1.UploadImportRequest {
					if !first {
						return &timetablev1.UploadImportRequest{Chunk: chunk}
					}
					dry, _ := strconv.ParseBool(q.Get("dry_run"))
					return &timetablev1.UploadImportRequest{SchoolId: q.Get("school_id"), Kind: q.Get("kind"), DryRun: dry,
						FileName: q.Get("file_name"), Encoding: q.Get("encoding"), TermId: q.Get("term_id"), Chunk: chunk}
				}}, nil
		},
		get: func(ctx context.Context, schoolID, _, importID string) (proto.Message, error) {
			return tt.GetImport(ctx, &timetablev1.GetImportRequest{SchoolId: schoolID, ImportId: importID})
		},
	}
}

// staffingImporter serves staff.
func staffingImporter(st staffingv1.StaffingServiceClient) importer {
	return importer{
		prefix: "simp_",
		method: "/kehou.staffing.v1.StaffingService/UploadImport",
		upload: func(ctx context.Context) (uploadStream, error) {
			s, err := st.UploadImport(ctx)
			if err != nil {
				return nil, err
			}
			return clientStream[staffingv1.UploadImportRequest, staffingv1.UploadImportResponse]{s,
				func(q url.Values, chunk []byte, first bool) *staffingv1.UploadImportRequest {
					if !first {
						return &staffingv1.UploadImportRequest{Chunk: chunk}
					}
					dry, _ := strconv.ParseBool(q.Get("dry_run"))
					return &staffingv1.UploadImportRequest{SchoolId: q.Get("school_id"), DistrictId: q.Get("district_id"), Kind: q.Get("kind"),
						DryRun: dry, FileName: q.Get("file_name"), Encoding: q.Get("encoding"), Chunk: chunk}
				}}, nil
		},
		get: func(ctx context.Context, schoolID, districtID, importID string) (proto.Message, error) {
			return st.GetImport(ctx, &staffingv1.GetImportRequest{SchoolId: schoolID, DistrictId: districtID, ImportId: importID})
		},
	}
}

// billingImporter serves fee_schedules and rate_tables (also on billing's
// own POST /v1/billing/imports); its jobs are a district's.
func billingImporter(bc billingv1.BillingServiceClient) importer {
	return importer{
		prefix: "bimp_", // billing's job ids (app.ImportPrefix), asked for on the district route
		method: "/kehou.billing.v1.BillingService/UploadImport",
		upload: func(ctx context.Context) (uploadStream, error) {
			s, err := bc.UploadImport(ctx)
			if err != nil {
				return nil, err
			}
			return clientStream[billingv1.UploadImportRequest, billingv1.UploadImportResponse]{s,
				func(q url.Values, chunk []byte, first bool) *billingv1.UploadImportRequest {
					if !first {
						return &billingv1.UploadImportRequest{Chunk: chunk}
					}
					dry, _ := strconv.ParseBool(q.Get("dry_run"))
					return &billingv1.UploadImportRequest{DistrictId: q.Get("district_id"), SchoolId: q.Get("school_id"), Kind: q.Get("kind"),
						DryRun: dry, FileName: q.Get("file_name"), Encoding: q.Get("encoding"), Chunk: chunk}
				}}, nil
		},
		get: func(ctx context.Context, schoolID, districtID, importID string) (proto.Message, error) {
			return bc.GetImport(ctx, &billingv1.GetImportRequest{DistrictId: districtID, SchoolId: schoolID, ImportId: importID})
		},
	}
}

// importRoutes registers the upload route and the job route over the
// generated ones of the same patterns (the last handler registered for a
// pattern wins). Everything else about them (authorization, validation,
// the import itself) is the owning service's; services maps a service's
// name to its importer (a service without one answers Unimplemented).
func importRoutes(mux *runtime.ServeMux, services map[string]importer) error {
	fail := func(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
		_, out := runtime.MarshalerForRequest(mux, r)
		errorHandler(ctx, mux, out, w, r, err)
	}
	reply := func(ctx context.Context, w http.ResponseWriter, r *http.Request, code int, resp proto.Message) {
		_, out := runtime.MarshalerForRequest(mux, r)
		b, err := out.Marshal(resp)
		if err != nil {
			fail(ctx, w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write(b)
	}
	err := mux.HandlePath("POST", "/v1/imports", func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		q := r.URL.Query()
		kind := q.Get("kind")
		// An unknown kind goes to timetable, which authorizes the caller
		// first (no answer says more than 401 or 403 to whoever may not
		// import) and then names every kind there is.
		owner, known := importKinds[kind]
		if !known {
			owner = "timetable"
		}
		imp, ok := services[owner]
		if !ok {
			fail(r.Context(), w, r, status.Errorf(codes.Unimplemented, "imports of %s are not available yet (暂不支持导入 %s)", kind, kind))
			return
		}
		ctx, err := runtime.AnnotateContext(r.Context(), mux, r, imp.method, runtime.WithHTTPPathPattern("/v1/imports"))
		if err != nil {
			fail(r.Context(), w, r, err)
			return
		}
		stream, err := imp.upload(ctx)
		if err != nil {
			fail(ctx, w, r, err)
			return
		}
		buf := make([]byte, uploadChunk)
		for first := true; ; first = false {
			n, rerr := io.ReadFull(r.Body, buf)
			if n > 0 || first {
				if err := stream.send(q, buf[:n], first); err != nil {
					break // the service ended the call; closeAndRecv says why
				}
			}
			if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
				break
			}
			if rerr != nil {
				_ = stream.CloseSend()
				fail(ctx, w, r, status.Error(codes.InvalidArgument, "cannot read the upload: "+rerr.Error()))
				return
			}
		}
		resp, err := stream.closeAndRecv()
		if err != nil {
			fail(ctx, w, r, err)
			return
		}
		job := importOf(resp)
		switch {
		case owner == "billing": // a district's job, perhaps limited to a school
			loc := "/v1/districts/" + url.PathEscape(job.district) + "/imports/" + url.PathEscape(job.id)
			if job.school != "" {
				loc += "?school_id=" + url.QueryEscape(job.school)
			}
			w.Header().Set("Location", loc)
		case job.school == "": // a district's kind
			w.Header().Set("Location", "/v1/districts/"+url.PathEscape(job.district)+"/imports/"+url.PathEscape(job.id))
		default:
			w.Header().Set("Location", "/v1/schools/"+url.PathEscape(job.school)+"/imports/"+url.PathEscape(job.id))
		}
		reply(ctx, w, r, http.StatusAccepted, resp)
	})
	if err != nil {
		return err
	}
	getJob := func(pattern string) runtime.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request, p map[string]string) {
			// A school's job is timetable's or staffing's, a district's
			// staffing's or billing's, by the id's prefix; another id goes
			// to timetable or billing, which authorize, then answer NotFound.
			imp := services["timetable"]
			if p["district_id"] != "" {
				imp = services["billing"]
				if strings.HasPrefix(p["import_id"], services["staffing"].prefix) {
					imp = services["staffing"]
				}
			} else if strings.HasPrefix(p["import_id"], services["staffing"].prefix) {
				imp = services["staffing"]
			}
			ctx, err := runtime.AnnotateContext(r.Context(), mux, r, strings.TrimSuffix(imp.method, "UploadImport")+"GetImport",
				runtime.WithHTTPPathPattern(pattern))
			if err != nil {
				fail(r.Context(), w, r, err)
				return
			}
			school := p["school_id"]
			if school == "" {
				school = r.URL.Query().Get("school_id") // a billing job limited to a school
			}
			resp, err := imp.get(ctx, school, p["district_id"], p["import_id"])
			if err != nil {
				fail(ctx, w, r, err)
				return
			}
			reply(ctx, w, r, http.StatusOK, resp)
		}
	}
	if err := mux.HandlePath("GET", "/v1/schools/{school_id}/imports/{import_id}", getJob("/v1/schools/{school_id}/imports/{import_id}")); err != nil {
		return err
	}
	// A district's jobs (institutions): staffing's.
	return mux.HandlePath("GET", "/v1/districts/{district_id}/imports/{import_id}", getJob("/v1/districts/{district_id}/imports/{import_id}"))
}

// jobRef is what the Location of an upload's answer needs.
type jobRef struct{ id, school, district string }

// importOf reads the job of any service's UploadImportResponse: its
// "import" message's import_id, school_id and district_id (timetable and
// staffing answer the shared kehou.common.v1.ImportJob, billing its own).
func importOf(resp proto.Message) jobRef {
	m := resp.ProtoReflect()
	fd := m.Descriptor().Fields().ByName("import")
	if fd == nil {
		return jobRef{}
	}
	j := m.Get(fd).Message()
	str := func(name protoreflect.Name) string {
		if f := j.Descriptor().Fields().ByName(name); f != nil {
			return j.Get(f).String()
		}
		return ""
	}
	return jobRef{id: str("import_id"), school: str("school_id"), district: str("district_id")}
}
