package rpc

import (
	"context"
	"errors"
	"io"

	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/importjob"
	"github.com/kehou/kehou/services/timetable/app"
	"google.golang.org/grpc"
)

// UploadImport implements the RPC: the chunks go to a temporary file
// (importjob.Spool), which the import job then reads row by row.
func (s *Server) UploadImport(stream grpc.ClientStreamingServer[timetablev1.UploadImportRequest, timetablev1.UploadImportResponse]) error {
	ctx := stream.Context()
	first, err := stream.Recv()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return s.toStatus(ctx, fault.Invalid("school_id", "the upload sent no message"))
		}
		return err
	}
	if first.GetSchoolId() == "" {
		return s.toStatus(ctx, fault.Invalid("school_id", "must be set in the first message"))
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
	job, err := s.app.StartImport(ctx, first.GetSchoolId(), path, app.ImportOptions{Kind: first.GetKind(), DryRun: first.GetDryRun(),
		FileName: first.GetFileName(), Encoding: first.GetEncoding(), TermID: first.GetTermId(), By: by}, s.log)
	if err != nil {
		return s.toStatus(ctx, err)
	}
	return stream.SendAndClose(&timetablev1.UploadImportResponse{Import: importjob.Proto(job)})
}

// GetImport implements the RPC.
func (s *Server) GetImport(ctx context.Context, req *timetablev1.GetImportRequest) (*timetablev1.GetImportResponse, error) {
	job, err := s.app.GetImport(ctx, req.GetSchoolId(), req.GetImportId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.GetImportResponse{Import: importjob.Proto(job)}, nil
}

// chunkWriter sends what the export writes as stream messages of up to
// 256 KiB, the first one naming the file.
type chunkWriter struct {
	stream     grpc.ServerStreamingServer[timetablev1.ExportRecordsResponse]
	name, mime string
	sent       bool
	buf        []byte
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for len(w.buf) >= 256<<10 {
		if err := w.send(w.buf[:256<<10]); err != nil {
			return 0, err
		}
		w.buf = w.buf[256<<10:]
	}
	return len(p), nil
}

func (w *chunkWriter) send(b []byte) error {
	msg := &timetablev1.ExportRecordsResponse{Chunk: append([]byte(nil), b...)}
	if !w.sent {
		msg.FileName, msg.ContentType, w.sent = w.name, w.mime, true
	}
	return w.stream.Send(msg)
}

func (w *chunkWriter) flush() error {
	if len(w.buf) == 0 && w.sent {
		return nil
	}
	err := w.send(w.buf)
	w.buf = nil
	return err
}

// ExportRecords implements the RPC.
func (s *Server) ExportRecords(req *timetablev1.ExportRecordsRequest, stream grpc.ServerStreamingServer[timetablev1.ExportRecordsResponse]) error {
	ctx := stream.Context()
	format := req.GetFormat()
	if format == "" {
		format = app.FormatXLSX
	}
	name, mime := app.ExportFile(req.GetKind(), format, req.GetTemplate())
	w := &chunkWriter{stream: stream, name: name, mime: mime}
	if err := s.app.Export(ctx, req.GetSchoolId(), req.GetKind(), req.GetTermId(), format, req.GetTemplate(), w); err != nil {
		return s.toStatus(ctx, err)
	}
	if err := w.flush(); err != nil {
		return s.toStatus(ctx, err)
	}
	return nil
}
