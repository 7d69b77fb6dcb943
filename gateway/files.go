package gateway

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
)

// fileRoutes registers timetable's export download, whose body is a file
// rather than JSON, over the generated route of the same pattern (the last
// handler registered for a pattern wins); the upload is importRoutes'.
func fileRoutes(mux *runtime.ServeMux, tt timetablev1.TimetableServiceClient) error {
	fail := func(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
		_, out := runtime.MarshalerForRequest(mux, r)
		errorHandler(ctx, mux, out, w, r, err)
	}
	return mux.HandlePath("GET", "/v1/schools/{school_id}/exports/{kind}", func(w http.ResponseWriter, r *http.Request, p map[string]string) {
		ctx, err := runtime.AnnotateContext(r.Context(), mux, r, "/kehou.timetable.v1.TimetableService/ExportRecords",
			runtime.WithHTTPPathPattern("/v1/schools/{school_id}/exports/{kind}"))
		if err != nil {
			fail(r.Context(), w, r, err)
			return
		}
		q := r.URL.Query()
		tmpl, _ := strconv.ParseBool(q.Get("template"))
		stream, err := tt.ExportRecords(ctx, &timetablev1.ExportRecordsRequest{SchoolId: p["school_id"], Kind: p["kind"],
			Format: q.Get("format"), Template: tmpl, TermId: q.Get("term_id")})
		if err != nil {
			fail(ctx, w, r, err)
			return
		}
		// The first message decides between an error answer and the file.
		first, err := stream.Recv()
		if err != nil {
			fail(ctx, w, r, err)
			return
		}
		w.Header().Set("Content-Type", first.GetContentType())
		w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", first.GetFileName()))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(first.GetChunk())
		for {
			msg, err := stream.Recv()
			if err != nil {
				return // io.EOF, or a failure after the header: the cut body shows it
			}
			if _, err := w.Write(msg.GetChunk()); err != nil {
				return
			}
		}
	})
}
