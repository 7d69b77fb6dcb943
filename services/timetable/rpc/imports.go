package rpc

import (
	"context"
	"errors"
	"io"
	"os"

	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/timetable/app"
	"github.com/kehou/kehou/services/timetable/domain/school"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// MaxUploadBytes caps what UploadImport spools to disk, whatever the
// gateway's limit: a 50,000-row roster is a few MiB.
const MaxUploadBytes = 64 << 20

// UploadImport implements the RPC: the chunks go to a temporary file (an
// .xlsx can only be read from its end, where zip keeps its directory),
// which the import job then reads row by row.
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
	f, err := os.CreateTemp("", "kehou-import-*")
	if err != nil {
		return s.toStatus(ctx, err)
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
			return s.toStatus(ctx, fault.Invalid("file", "the file is larger than 64 MiB (文件超过 64 MiB)"))
		}
		if _, err := f.Write(msg.GetChunk()); err != nil {
			return s.toStatus(ctx, err)
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
		return s.toStatus(ctx, err)
	}
	var by string
	if p, ok := auth.FromContext(ctx); ok {
		by = p.AccountID
	}
	keep = true // StartImport owns the file now, and removes it
	job, err := s.app.StartImport(ctx, first.GetSchoolId(), path, app.ImportOptions{Kind: first.GetKind(), DryRun: first.GetDryRun(),
		FileName: first.GetFileName(), Encoding: first.GetEncoding(), TermID: first.GetTermId(), By: by}, s.log)
	if err != nil {
		return s.toStatus(ctx, err)
	}
	return stream.SendAndClose(&timetablev1.UploadImportResponse{Import: importProto(job, first.GetSchoolId())})
}

// GetImport implements the RPC.
func (s *Server) GetImport(ctx context.Context, req *timetablev1.GetImportRequest) (*timetablev1.GetImportResponse, error) {
	job, err := s.app.GetImport(ctx, req.GetSchoolId(), req.GetImportId())
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.GetImportResponse{Import: importProto(job, req.GetSchoolId())}, nil
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

var importStates = map[string]timetablev1.ImportState{
	school.ImportRunning: timetablev1.ImportState_IMPORT_STATE_RUNNING, school.ImportSucceeded: timetablev1.ImportState_IMPORT_STATE_SUCCEEDED,
	school.ImportRejected: timetablev1.ImportState_IMPORT_STATE_REJECTED, school.ImportFailed: timetablev1.ImportState_IMPORT_STATE_FAILED,
}

func importProto(j school.ImportJob, schoolID string) *timetablev1.ImportJob {
	out := &timetablev1.ImportJob{ImportId: j.ID, SchoolId: schoolID, Kind: j.Kind, DryRun: j.DryRun, FileName: j.FileName,
		State: importStates[j.State], Percent: int32(j.Percent), CreateTime: timestamppb.New(j.CreateTime)}
	if !j.FinishTime.IsZero() {
		out.FinishTime = timestamppb.New(j.FinishTime)
	}
	if r := j.Report; r != nil {
		rep := &timetablev1.ImportReport{Rows: int32(r.Rows), NewRows: int32(r.New), ChangedRows: int32(r.Changed),
			UnchangedRows: int32(r.Unchanged), RejectedRows: int32(r.Rejected), Applied: r.Applied,
			Failure: r.Failure, FailureZh: r.FailureZh, Encoding: r.Encoding}
		for _, e := range r.Errors {
			rep.Errors = append(rep.Errors, &timetablev1.ImportRowError{Row: int32(e.Row), Column: e.Column, Value: e.Value,
				Reason: e.Reason, ReasonZh: e.ReasonZh})
		}
		for _, c := range r.Changes {
			ch := &timetablev1.ImportRowChange{Row: int32(c.Row), Key: c.Key}
			for _, f := range c.Fields {
				ch.Fields = append(ch.Fields, &timetablev1.ImportFieldChange{Column: f.Column, OldValue: f.Old, NewValue: f.New})
			}
			rep.Changes = append(rep.Changes, ch)
		}
		out.Report = rep
	}
	return out
}
