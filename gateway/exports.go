package gateway

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/grpc-ecosystem/grpc-gateway/v2/utilities"
	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// fileChunk is what every export RPC streams: the file's bytes, the first
// chunk with its content type and name.
type fileChunk interface {
	proto.Message
	GetContentType() string
	GetFilename() string
	GetData() []byte
}

// download is a file route served from a server-streaming export RPC.
// grpc-gateway would write a stream as newline-delimited JSON (or, for
// google.api.HttpBody, with a newline after every chunk and its headers
// under Grpc-Metadata-), so the gateway serves these routes itself: the
// request is built from path and query as grpc-gateway builds it, errors
// before the first chunk take the one error shape, and the chunks are
// copied into the body as they arrive.
type download struct {
	template string // the route as in the OpenAPI document
	method   string // full gRPC method name
	params   []string
	newReq   func() proto.Message
	newResp  func() fileChunk
}

// downloads are the export routes (their google.api.http annotations put
// them in the OpenAPI document and the authorization matrix).
var downloads = []download{
	{template: "/v1/schools/{school_id}/pay-sheet", method: billingv1.ExportService_ExportPaySheet_FullMethodName,
		params: []string{"school_id"},
		newReq: func() proto.Message { return &billingv1.ExportPaySheetRequest{} }, newResp: func() fileChunk { return &billingv1.ExportPaySheetResponse{} }},
	{template: "/v1/schools/{school_id}/staff/{staff_id}/pay-statements:export", method: billingv1.ExportService_ExportStaffPayStatement_FullMethodName,
		params: []string{"school_id", "staff_id"},
		newReq: func() proto.Message { return &billingv1.ExportStaffPayStatementRequest{} }, newResp: func() fileChunk { return &billingv1.ExportStaffPayStatementResponse{} }},
	{template: "/v1/schools/{school_id}/reconciliation:export", method: billingv1.ExportService_ExportReconciliation_FullMethodName,
		params: []string{"school_id"},
		newReq: func() proto.Message { return &billingv1.ExportReconciliationRequest{} }, newResp: func() fileChunk { return &billingv1.ExportReconciliationResponse{} }},
	{template: "/v1/districts/{district_id}/institutions/{institution_id}/settlement:export", method: billingv1.ExportService_ExportInstitutionSettlement_FullMethodName,
		params: []string{"district_id", "institution_id"},
		newReq: func() proto.Message { return &billingv1.ExportInstitutionSettlementRequest{} }, newResp: func() fileChunk { return &billingv1.ExportInstitutionSettlementResponse{} }},
	{template: "/v1/districts/{district_id}/claims:export", method: billingv1.ExportService_ExportClaims_FullMethodName,
		params: []string{"district_id"},
		newReq: func() proto.Message { return &billingv1.ExportClaimsRequest{} }, newResp: func() fileChunk { return &billingv1.ExportClaimsResponse{} }},
	{template: "/v1/schools/{school_id}/terms/{term_id}/statements:export", method: billingv1.ExportService_ExportFeeStatements_FullMethodName,
		params: []string{"school_id", "term_id"},
		newReq: func() proto.Message { return &billingv1.ExportFeeStatementsRequest{} }, newResp: func() fileChunk { return &billingv1.ExportFeeStatementsResponse{} }},
	{template: "/v1/schools/{school_id}/terms/{term_id}/public-statement", method: billingv1.ExportService_ExportPublicStatement_FullMethodName,
		params: []string{"school_id", "term_id"},
		newReq: func() proto.Message { return &billingv1.ExportPublicStatementRequest{} }, newResp: func() fileChunk { return &billingv1.ExportPublicStatementResponse{} }},
}

var streamDesc = &grpc.StreamDesc{ServerStreams: true}

func (d download) handler(mux *runtime.ServeMux, conn grpc.ClientConnInterface) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, outbound := runtime.MarshalerForRequest(mux, r)
		fail := func(err error) { runtime.HTTPError(r.Context(), mux, outbound, w, r, err) }
		ctx, err := runtime.AnnotateContext(r.Context(), mux, r, d.method, runtime.WithHTTPPathPattern(d.template))
		if err != nil {
			fail(err)
			return
		}
		req := d.newReq()
		for _, p := range d.params {
			if err := runtime.PopulateFieldFromPath(req, p, r.PathValue(p)); err != nil {
				fail(status.Errorf(codes.InvalidArgument, "path parameter %s: %v", p, err))
				return
			}
		}
		seqs := make([][]string, len(d.params))
		for i, p := range d.params {
			seqs[i] = []string{p}
		}
		if err := runtime.PopulateQueryParameters(req, r.URL.Query(), utilities.NewDoubleArray(seqs)); err != nil {
			fail(status.Errorf(codes.InvalidArgument, "%v", err))
			return
		}
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stream, err := conn.NewStream(ctx, streamDesc, d.method)
		if err == nil {
			err = stream.SendMsg(req)
		}
		if err == nil {
			err = stream.CloseSend()
		}
		first := d.newResp()
		if err == nil {
			err = stream.RecvMsg(first)
		}
		if errors.Is(err, io.EOF) {
			err = status.Error(codes.Internal, "the export sent no file")
		}
		if err != nil {
			fail(err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", first.GetContentType())
		disposition := "attachment"
		if in, ok := first.(interface{ GetInline() bool }); ok && in.GetInline() {
			disposition = "inline" // a page to print
		}
		h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": first.GetFilename()}))
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		rc := http.NewResponseController(w)
		for chunk := first; ; {
			if _, err := w.Write(chunk.GetData()); err != nil {
				return // the client went away; cancel ends the call
			}
			_ = rc.Flush()
			chunk = d.newResp()
			if err := stream.RecvMsg(chunk); err != nil {
				if errors.Is(err, io.EOF) {
					return
				}
				// The status line is sent; cutting the connection is the
				// only way left to tell the client the file is incomplete.
				panic(http.ErrAbortHandler)
			}
		}
	})
}

// handleDownloads adds the export routes to root.
func handleDownloads(root *http.ServeMux, mux *runtime.ServeMux, billing grpc.ClientConnInterface) {
	for _, d := range downloads {
		root.Handle("GET "+strings.TrimSpace(d.template), d.handler(mux, billing))
	}
}
