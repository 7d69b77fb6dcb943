package gateway

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
)

// exportChunk is one message of any service's ExportRecords stream.
type exportChunk interface {
	GetFileName() string
	GetContentType() string
	GetChunk() []byte
}

// exportStream opens the ExportRecords of the service owning kind and
// returns its receive function and the method's full name.
type exportStream func(ctx context.Context, schoolID, kind string, q url.Values) (func() (exportChunk, error), error)

func timetableExport(tt timetablev1.TimetableServiceClient) exportStream {
	return func(ctx context.Context, schoolID, kind string, q url.Values) (func() (exportChunk, error), error) {
		tmpl, _ := strconv.ParseBool(q.Get("template"))
		s, err := tt.ExportRecords(ctx, &timetablev1.ExportRecordsRequest{SchoolId: schoolID, Kind: kind,
			Format: q.Get("format"), Template: tmpl, TermId: q.Get("term_id")})
		if err != nil {
			return nil, err
		}
		return func() (exportChunk, error) { return s.Recv() }, nil
	}
}

func staffingExport(st staffingv1.StaffingServiceClient) exportStream {
	return func(ctx context.Context, schoolID, kind string, q url.Values) (func() (exportChunk, error), error) {
		tmpl, _ := strconv.ParseBool(q.Get("template"))
		s, err := st.ExportRecords(ctx, &staffingv1.ExportRecordsRequest{SchoolId: schoolID, DistrictId: q.Get("district_id"), Kind: kind,
			Format: q.Get("format"), Template: tmpl})
		if err != nil {
			return nil, err
		}
		return func() (exportChunk, error) { return s.Recv() }, nil
	}
}

func billingExport(bc billingv1.BillingServiceClient) exportStream {
	return func(ctx context.Context, schoolID, kind string, q url.Values) (func() (exportChunk, error), error) {
		tmpl, _ := strconv.ParseBool(q.Get("template"))
		s, err := bc.ExportRecords(ctx, &billingv1.ExportRecordsRequest{DistrictId: q.Get("district_id"), SchoolId: q.Get("school_id"),
			Kind: kind, Format: q.Get("format"), Template: tmpl})
		if err != nil {
			return nil, err
		}
		return func() (exportChunk, error) { return s.Recv() }, nil
	}
}

// fileRoutes registers the export download, whose body is a file rather
// than JSON, over the generated route of the same pattern (the last
// handler registered for a pattern wins); it goes to the service that owns
// the kind (importKinds), as the upload (importRoutes).
func fileRoutes(mux *runtime.ServeMux, tt timetablev1.TimetableServiceClient, st staffingv1.StaffingServiceClient, bc billingv1.BillingServiceClient) error {
	exports := map[string]struct {
		method string
		open   exportStream
	}{
		"timetable": {"/kehou.timetable.v1.TimetableService/ExportRecords", timetableExport(tt)},
		"staffing":  {"/kehou.staffing.v1.StaffingService/ExportRecords", staffingExport(st)},
		"billing":   {"/kehou.billing.v1.BillingService/ExportRecords", billingExport(bc)},
	}
	fail := func(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
		_, out := runtime.MarshalerForRequest(mux, r)
		errorHandler(ctx, mux, out, w, r, err)
	}
	download := func(pattern string) runtime.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request, p map[string]string) {
			// An unknown kind goes to timetable (a school's) or billing (a
			// district's), which authorize, then name their kinds.
			ex, ok := exports[importKinds[p["kind"]]]
			if !ok && p["district_id"] != "" {
				ex = exports["billing"]
			} else if !ok {
				ex = exports["timetable"]
			}
			ctx, err := runtime.AnnotateContext(r.Context(), mux, r, ex.method,
				runtime.WithHTTPPathPattern(pattern))
			if err != nil {
				fail(r.Context(), w, r, err)
				return
			}
			q := r.URL.Query()
			if d := p["district_id"]; d != "" {
				q.Set("district_id", d)
			}
			recv, err := ex.open(ctx, p["school_id"], p["kind"], q)
			if err != nil {
				fail(ctx, w, r, err)
				return
			}
			// The first message decides between an error answer and the file.
			first, err := recv()
			if err != nil {
				fail(ctx, w, r, err)
				return
			}
			w.Header().Set("Content-Type", first.GetContentType())
			w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", first.GetFileName()))
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write(first.GetChunk())
			for {
				msg, err := recv()
				if err != nil {
					return // io.EOF, or a failure after the header: the cut body shows it
				}
				if _, err := w.Write(msg.GetChunk()); err != nil {
					return
				}
			}
		}
	}
	if err := mux.HandlePath("GET", "/v1/schools/{school_id}/exports/{kind}", download("/v1/schools/{school_id}/exports/{kind}")); err != nil {
		return err
	}
	// A district's kinds: staffing's institutions, billing's fee schedules
	// and rate tables (over billing's own handler of the pattern).
	return mux.HandlePath("GET", "/v1/districts/{district_id}/exports/{kind}", download("/v1/districts/{district_id}/exports/{kind}"))
}
