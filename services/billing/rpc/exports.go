package rpc

import (
	"io"
	"log/slog"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	"github.com/kehou/kehou/services/billing/app"
	"google.golang.org/grpc"
)

// ExportServer implements billingv1.ExportServiceServer: each export is
// written by its use case into a chunkWriter that sends the file on as a
// stream of chunks.
type ExportServer struct {
	billingv1.UnimplementedExportServiceServer
	app   *app.Exports
	recon *app.Reconciliation
	log   *slog.Logger
}

// NewExportServer returns the transport over the export use cases and the
// reconciliation (for the public statement).
func NewExportServer(a *app.Exports, rc *app.Reconciliation, log *slog.Logger) *ExportServer {
	return &ExportServer{app: a, recon: rc, log: log}
}

// ExportPaySheet implements the RPC.
func (s *ExportServer) ExportPaySheet(req *billingv1.ExportPaySheetRequest, stream grpc.ServerStreamingServer[billingv1.ExportPaySheetResponse]) error {
	cw := &chunkWriter{send: func(ct, name string, _ bool, data []byte) error {
		return stream.Send(&billingv1.ExportPaySheetResponse{ContentType: ct, Filename: name, Data: data})
	}}
	return s.finish(stream, cw, s.app.PaySheet(stream.Context(), req.GetSchoolId(), int(req.GetYear()), int(req.GetMonth()), "", req.GetFormat(), true, cw.open))
}

// ExportStaffPayStatement implements the RPC.
func (s *ExportServer) ExportStaffPayStatement(req *billingv1.ExportStaffPayStatementRequest, stream grpc.ServerStreamingServer[billingv1.ExportStaffPayStatementResponse]) error {
	cw := &chunkWriter{send: func(ct, name string, _ bool, data []byte) error {
		return stream.Send(&billingv1.ExportStaffPayStatementResponse{ContentType: ct, Filename: name, Data: data})
	}}
	return s.finish(stream, cw, s.app.PaySheet(stream.Context(), req.GetSchoolId(), int(req.GetYear()), int(req.GetMonth()), req.GetStaffId(), req.GetFormat(), false, cw.open))
}

// ExportReconciliation implements the RPC.
func (s *ExportServer) ExportReconciliation(req *billingv1.ExportReconciliationRequest, stream grpc.ServerStreamingServer[billingv1.ExportReconciliationResponse]) error {
	cw := &chunkWriter{send: func(ct, name string, _ bool, data []byte) error {
		return stream.Send(&billingv1.ExportReconciliationResponse{ContentType: ct, Filename: name, Data: data})
	}}
	limits, err := app.ParseLimits(req.GetLabourShareLimit(), req.GetManagementShareLimit())
	if err == nil {
		err = s.recon.Export(stream.Context(), app.ReconRequest{SchoolID: req.GetSchoolId(), TermID: req.GetTermId(),
			Year: int(req.GetYear()), Month: int(req.GetMonth()), Override: limits}, req.GetFormat(), cw.open)
	}
	return s.finish(stream, cw, err)
}

// ExportInstitutionSettlement implements the RPC.
func (s *ExportServer) ExportInstitutionSettlement(req *billingv1.ExportInstitutionSettlementRequest, stream grpc.ServerStreamingServer[billingv1.ExportInstitutionSettlementResponse]) error {
	cw := &chunkWriter{send: func(ct, name string, _ bool, data []byte) error {
		return stream.Send(&billingv1.ExportInstitutionSettlementResponse{ContentType: ct, Filename: name, Data: data})
	}}
	return s.finish(stream, cw, s.recon.ExportInstitutionSettlement(stream.Context(), req.GetDistrictId(), req.GetInstitutionId(),
		int(req.GetYear()), int(req.GetMonth()), req.GetFormat(), cw.open))
}

// ExportClaims implements the RPC.
func (s *ExportServer) ExportClaims(req *billingv1.ExportClaimsRequest, stream grpc.ServerStreamingServer[billingv1.ExportClaimsResponse]) error {
	cw := &chunkWriter{send: func(ct, name string, _ bool, data []byte) error {
		return stream.Send(&billingv1.ExportClaimsResponse{ContentType: ct, Filename: name, Data: data})
	}}
	var p parser
	from, to := p.date(req.GetFrom(), "from", true), p.date(req.GetTo(), "to", true)
	err := p.c.Err()
	if err == nil {
		err = s.app.Claims(stream.Context(), req.GetDistrictId(), req.GetSchoolId(), req.GetPayerId(), from, to, req.GetFormat(), cw.open)
	}
	return s.finish(stream, cw, err)
}

// ExportFeeStatements implements the RPC.
func (s *ExportServer) ExportFeeStatements(req *billingv1.ExportFeeStatementsRequest, stream grpc.ServerStreamingServer[billingv1.ExportFeeStatementsResponse]) error {
	cw := &chunkWriter{send: func(ct, name string, _ bool, data []byte) error {
		return stream.Send(&billingv1.ExportFeeStatementsResponse{ContentType: ct, Filename: name, Data: data})
	}}
	return s.finish(stream, cw, s.app.FeeStatements(stream.Context(), req.GetSchoolId(), req.GetTermId(), req.GetFormat(), cw.open))
}

// ExportPublicStatement implements the RPC.
func (s *ExportServer) ExportPublicStatement(req *billingv1.ExportPublicStatementRequest, stream grpc.ServerStreamingServer[billingv1.ExportPublicStatementResponse]) error {
	cw := &chunkWriter{send: func(ct, name string, inline bool, data []byte) error {
		return stream.Send(&billingv1.ExportPublicStatementResponse{ContentType: ct, Filename: name, Inline: inline, Data: data})
	}}
	return s.finish(stream, cw, s.recon.PublicStatement(stream.Context(), req.GetSchoolId(), req.GetTermId(), cw.open))
}

func (s *ExportServer) finish(stream grpc.ServerStream, cw *chunkWriter, err error) error {
	if err == nil {
		err = cw.flush()
	}
	if err != nil {
		return toStatus(stream.Context(), s.log, err)
	}
	return nil
}

// chunkSize is the most a chunk carries: well under gRPC's 4 MB message
// limit, large enough that a big file is few messages.
const chunkSize = 256 << 10

// chunkWriter buffers a file into chunks; the first carries the content
// type and file name (sent even for an empty file).
type chunkWriter struct {
	send       func(contentType, filename string, inline bool, data []byte) error
	file       app.File
	buf        []byte
	sentHeader bool
}

func (c *chunkWriter) open(f app.File) (io.Writer, error) {
	c.file = f
	c.buf = make([]byte, 0, chunkSize)
	return c, nil
}

func (c *chunkWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), chunkSize-len(c.buf))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
		if len(c.buf) == chunkSize {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

func (c *chunkWriter) flush() error {
	if len(c.buf) == 0 && c.sentHeader {
		return nil
	}
	var ct, name string
	inline := false
	if !c.sentHeader {
		ct, name, inline = c.file.ContentType, c.file.Name, c.file.Inline
	}
	if err := c.send(ct, name, inline, c.buf); err != nil {
		return err
	}
	c.sentHeader = true
	c.buf = c.buf[:0]
	return nil
}
