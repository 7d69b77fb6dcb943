package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ImportRoute takes a spreadsheet as the raw request body, not JSON: it is
// always an upload route (MaxUploadBytes), and the body goes on to
// timetable's client-streaming UploadImport in chunks as it arrives.
const ImportRoute = "POST /v1/imports"

// uploadChunk is how much of a body one UploadImport message carries.
const uploadChunk = 1 << 20

// fileRoutes registers the two routes whose bodies are files rather than
// JSON, over the generated ones of the same patterns (the last handler
// registered for a pattern wins): the import upload and the export download.
// Everything else about them (authorization, validation, the import
// itself) is the timetable service's.
func fileRoutes(mux *runtime.ServeMux, tt timetablev1.TimetableServiceClient) error {
	fail := func(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
		_, out := runtime.MarshalerForRequest(mux, r)
		errorHandler(ctx, mux, out, w, r, err)
	}
	err := mux.HandlePath("POST", "/v1/imports", func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		ctx, err := runtime.AnnotateContext(r.Context(), mux, r, "/kehou.timetable.v1.TimetableService/UploadImport",
			runtime.WithHTTPPathPattern("/v1/imports"))
		if err != nil {
			fail(r.Context(), w, r, err)
			return
		}
		q := r.URL.Query()
		dry, _ := strconv.ParseBool(q.Get("dry_run"))
		stream, err := tt.UploadImport(ctx)
		if err != nil {
			fail(ctx, w, r, err)
			return
		}
		msg := &timetablev1.UploadImportRequest{SchoolId: q.Get("school_id"), Kind: q.Get("kind"), DryRun: dry,
			FileName: q.Get("file_name"), Encoding: q.Get("encoding"), TermId: q.Get("term_id")}
		buf := make([]byte, uploadChunk)
		for {
			n, rerr := io.ReadFull(r.Body, buf)
			msg.Chunk = buf[:n]
			if n > 0 || msg.SchoolId != "" || msg.Kind != "" {
				if err := stream.Send(msg); err != nil {
					break // the service ended the call; CloseAndRecv says why
				}
			}
			msg = &timetablev1.UploadImportRequest{}
			if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
				break
			}
			if rerr != nil {
				_ = stream.CloseSend()
				fail(ctx, w, r, status.Error(codes.InvalidArgument, "cannot read the upload: "+rerr.Error()))
				return
			}
		}
		resp, err := stream.CloseAndRecv()
		if err != nil {
			fail(ctx, w, r, err)
			return
		}
		_, out := runtime.MarshalerForRequest(mux, r)
		b, err := out.Marshal(resp)
		if err != nil {
			fail(ctx, w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", "/v1/schools/"+resp.GetImport().GetSchoolId()+"/imports/"+resp.GetImport().GetImportId())
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write(b)
	})
	if err != nil {
		return err
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
