package rpc

import (
	"context"
	"errors"
	"io"
	"os"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	"github.com/kehou/kehou/services/billing/app"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/fault"
	imports "github.com/kehou/kehou/services/platform/importjob"
	"google.golang.org/grpc"
)

// MaxUploadBytes caps what UploadImport spools to disk, whatever the
// gateway's limit: a district's fee schedules are a few hundred rows.
const MaxUploadBytes = 16 << 20

// UploadImport implements the RPC: the chunks go to a temporary file (an
// .xlsx can only be read from its end, where zip keeps its directory),
// which the import job then reads row by row.
func (s *Server) UploadImport(stream grpc.ClientStreamingServer[billingv1.UploadImportRequest, billingv1.UploadImportResponse]) error {
	ctx := stream.Context()
	first, err := stream.Recv()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return toStatus(ctx, s.log, fault.Invalid("district_id", "the upload sent no message"))
		}
		return err
	}
	if first.GetDistrictId() == "" {
		return toStatus(ctx, s.log, fault.Invalid("district_id", "must be set in the first message"))
	}
	if _, err := app.ImportColumns(first.GetKind()); err != nil {
		return toStatus(ctx, s.log, err)
	}
	f, err := os.CreateTemp("", "kehou-billing-import-*")
	if err != nil {
		return toStatus(ctx, s.log, err)
	}
	path := f.Name()
	keep := false
	defer func() {
		_ = f.Close()
		if !keep {
			_ = os.Remove(path)
		}
	}()
	var n int64
	for msg := first; ; {
		n += int64(len(msg.GetChunk()))
		if n > MaxUploadBytes {
			return toStatus(ctx, s.log, fault.Invalid("file", "the file is larger than 16 MiB (文件超过 16 MiB)"))
		}
		if _, err := f.Write(msg.GetChunk()); err != nil {
			return toStatus(ctx, s.log, err)
		}
		msg, err = stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	if err := f.Close(); err != nil {
		return toStatus(ctx, s.log, err)
	}
	var by string
	if p, ok := auth.FromContext(ctx); ok {
		by = p.AccountID
	}
	keep = true // StartImport owns the file now, and removes it
	job, err := s.imports.StartImport(ctx, path, app.ImportOptions{Kind: first.GetKind(), DryRun: first.GetDryRun(),
		FileName: first.GetFileName(), Encoding: first.GetEncoding(), DistrictID: first.GetDistrictId(), SchoolID: first.GetSchoolId(), By: by}, s.log)
	if err != nil {
		return toStatus(ctx, s.log, err)
	}
	return stream.SendAndClose(&billingv1.UploadImportResponse{Import: imports.Proto(job)})
}

// GetImport implements the RPC.
func (s *Server) GetImport(ctx context.Context, req *billingv1.GetImportRequest) (*billingv1.GetImportResponse, error) {
	job, err := s.imports.GetImport(ctx, req.GetDistrictId(), req.GetSchoolId(), req.GetImportId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.GetImportResponse{Import: imports.Proto(job)}, nil
}

// ExportRecords implements the RPC.
func (s *Server) ExportRecords(req *billingv1.ExportRecordsRequest, stream grpc.ServerStreamingServer[billingv1.ExportRecordsResponse]) error {
	ctx := stream.Context()
	format := req.GetFormat()
	if format == "" {
		format = "xlsx"
	}
	name, mime := app.ExportFile(req.GetKind(), format, req.GetTemplate())
	w := imports.NewChunkWriter(func(b []byte, first bool) error {
		msg := &billingv1.ExportRecordsResponse{Chunk: b}
		if first {
			msg.FileName, msg.ContentType = name, mime
		}
		return stream.Send(msg)
	})
	if err := s.imports.Export(ctx, req.GetDistrictId(), req.GetSchoolId(), req.GetKind(), format, req.GetTemplate(), w); err != nil {
		return toStatus(ctx, s.log, err)
	}
	if err := w.Flush(); err != nil {
		return toStatus(ctx, s.log, err)
	}
	return nil
}
