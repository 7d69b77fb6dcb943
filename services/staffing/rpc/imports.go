package rpc

import (
	"context"
	"errors"
	"io"

	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/importjob"
	"github.com/kehou/kehou/services/staffing/app"
	"google.golang.org/grpc"
)

// UploadImport implements the RPC as timetable's does: the chunks go to a
// temporary file (importjob.Spool), which the import job then reads row
// by row.
func (s *Server) UploadImport(stream grpc.ClientStreamingServer[staffingv1.UploadImportRequest, staffingv1.UploadImportResponse]) error {
	ctx := stream.Context()
	first, err := stream.Recv()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return s.toStatus(ctx, fault.Invalid("school_id", "the upload sent no message"))
		}
		return err
	}
	if first.GetSchoolId() == "" && first.GetDistrictId() == "" {
		return s.toStatus(ctx, fault.Invalid("school_id", "must be set in the first message (district_id for institutions)"))
	}
	if _, err := app.Columns(first.GetKind()); err != nil {
		return s.toStatus(ctx, err)
	}
	path, err := importjob.Spool(first, stream.Recv)
	if err != nil {
		return s.toStatus(ctx, err)
	}
	var by string
	if p, ok := auth.FromContext(ctx); ok {
		by = p.AccountID
	}
	// StartImport owns the file now, and removes it.
	job, err := s.app.StartImport(ctx, app.Target{SchoolID: first.GetSchoolId(), DistrictID: first.GetDistrictId()}, path, app.ImportOptions{Kind: first.GetKind(), DryRun: first.GetDryRun(),
		FileName: first.GetFileName(), Encoding: first.GetEncoding(), By: by}, s.log)
	if err != nil {
		return s.toStatus(ctx, err)
	}
	return stream.SendAndClose(&staffingv1.UploadImportResponse{Import: importjob.Proto(job)})
}

// GetImport implements the RPC.
func (s *Server) GetImport(ctx context.Context, req *staffingv1.GetImportRequest) (*staffingv1.GetImportResponse, error) {
	job, err := s.app.GetImport(ctx, app.Target{SchoolID: req.GetSchoolId(), DistrictID: req.GetDistrictId()}, req.GetImportId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.GetImportResponse{Import: importjob.Proto(job)}, nil
}

// ExportRecords implements the RPC: the file in messages of up to 256 KiB,
// the first naming it.
func (s *Server) ExportRecords(req *staffingv1.ExportRecordsRequest, stream grpc.ServerStreamingServer[staffingv1.ExportRecordsResponse]) error {
	ctx := stream.Context()
	name, mime := importjob.ExportFile(req.GetKind(), req.GetFormat(), req.GetTemplate())
	w := importjob.NewChunkWriter(func(b []byte, first bool) error {
		msg := &staffingv1.ExportRecordsResponse{Chunk: b}
		if first {
			msg.FileName, msg.ContentType = name, mime
		}
		return stream.Send(msg)
	})
	if err := s.app.Export(ctx, app.Target{SchoolID: req.GetSchoolId(), DistrictID: req.GetDistrictId()}, req.GetKind(), req.GetFormat(), req.GetTemplate(), w); err != nil {
		return s.toStatus(ctx, err)
	}
	if err := w.Flush(); err != nil {
		return s.toStatus(ctx, err)
	}
	return nil
}
