package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// BillingImportRoute takes a fee schedule or rate table spreadsheet as the
// raw request body, like ImportRoute: the body goes on to billing's
// client-streaming UploadImport in chunks as it arrives.
const BillingImportRoute = "POST /v1/billing/imports"

// billingFileRoutes registers billing's import upload and export download
// over the generated handlers of the same patterns (registered after them,
// so these win). Everything else about them is the billing service's.
func billingFileRoutes(mux *runtime.ServeMux, bc billingv1.BillingServiceClient) error {
	fail := func(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
		_, out := runtime.MarshalerForRequest(mux, r)
		errorHandler(ctx, mux, out, w, r, err)
	}
	err := mux.HandlePath("POST", "/v1/billing/imports", func(w http.ResponseWriter, r *http.Request, _ map[string]string) {
		ctx, err := runtime.AnnotateContext(r.Context(), mux, r, "/kehou.billing.v1.BillingService/UploadImport",
			runtime.WithHTTPPathPattern("/v1/billing/imports"))
		if err != nil {
			fail(r.Context(), w, r, err)
			return
		}
		q := r.URL.Query()
		dry, _ := strconv.ParseBool(q.Get("dry_run"))
		stream, err := bc.UploadImport(ctx)
		if err != nil {
			fail(ctx, w, r, err)
			return
		}
		msg := &billingv1.UploadImportRequest{DistrictId: q.Get("district_id"), SchoolId: q.Get("school_id"), Kind: q.Get("kind"),
			DryRun: dry, FileName: q.Get("file_name"), Encoding: q.Get("encoding")}
		buf := make([]byte, uploadChunk)
		for first := true; ; first = false {
			n, rerr := io.ReadFull(r.Body, buf)
			msg.Chunk = buf[:n]
			if n > 0 || first {
				if err := stream.Send(msg); err != nil {
					break // the service ended the call; CloseAndRecv says why
				}
			}
			msg = &billingv1.UploadImportRequest{}
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
		job := resp.GetImport()
		loc := "/v1/districts/" + job.GetDistrictId() + "/imports/" + job.GetImportId()
		if job.GetSchoolId() != "" {
			loc += "?school_id=" + job.GetSchoolId()
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusAccepted)
		_, _ = w.Write(b)
	})
	if err != nil {
		return err
	}
	return mux.HandlePath("GET", "/v1/districts/{district_id}/exports/{kind}", func(w http.ResponseWriter, r *http.Request, p map[string]string) {
		ctx, err := runtime.AnnotateContext(r.Context(), mux, r, "/kehou.billing.v1.BillingService/ExportRecords",
			runtime.WithHTTPPathPattern("/v1/districts/{district_id}/exports/{kind}"))
		if err != nil {
			fail(r.Context(), w, r, err)
			return
		}
		q := r.URL.Query()
		tmpl, _ := strconv.ParseBool(q.Get("template"))
		stream, err := bc.ExportRecords(ctx, &billingv1.ExportRecordsRequest{DistrictId: p["district_id"], Kind: p["kind"],
			Format: q.Get("format"), Template: tmpl, SchoolId: q.Get("school_id")})
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
