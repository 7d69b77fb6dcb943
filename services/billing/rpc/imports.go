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
	"google.golang.org/protobuf/types/known/timestamppb"
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
	return stream.SendAndClose(&billingv1.UploadImportResponse{Import: importProto(job)})
}

// GetImport implements the RPC.
func (s *Server) GetImport(ctx context.Context, req *billingv1.GetImportRequest) (*billingv1.GetImportResponse, error) {
	job, err := s.imports.GetImport(ctx, req.GetDistrictId(), req.GetSchoolId(), req.GetImportId())
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.GetImportResponse{Import: importProto(job)}, nil
}

// recordsWriter sends what the export writes as stream messages of up to
// 256 KiB, the first one naming the file.
type recordsWriter struct {
	stream     grpc.ServerStreamingServer[billingv1.ExportRecordsResponse]
	name, mime string
	sent       bool
	buf        []byte
}

func (w *recordsWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	for len(w.buf) >= 256<<10 {
		if err := w.send(w.buf[:256<<10]); err != nil {
			return 0, err
		}
		w.buf = w.buf[256<<10:]
	}
	return len(p), nil
}

func (w *recordsWriter) send(b []byte) error {
	msg := &billingv1.ExportRecordsResponse{Chunk: append([]byte(nil), b...)}
	if !w.sent {
		msg.FileName, msg.ContentType, w.sent = w.name, w.mime, true
	}
	return w.stream.Send(msg)
}

func (w *recordsWriter) flush() error {
	if len(w.buf) == 0 && w.sent {
		return nil
	}
	err := w.send(w.buf)
	w.buf = nil
	return err
}

// ExportRecords implements the RPC.
func (s *Server) ExportRecords(req *billingv1.ExportRecordsRequest, stream grpc.ServerStreamingServer[billingv1.ExportRecordsResponse]) error {
	ctx := stream.Context()
	format := req.GetFormat()
	if format == "" {
		format = "xlsx"
	}
	name, mime := app.ExportFile(req.GetKind(), format, req.GetTemplate())
	w := &recordsWriter{stream: stream, name: name, mime: mime}
	if err := s.imports.Export(ctx, req.GetDistrictId(), req.GetSchoolId(), req.GetKind(), format, req.GetTemplate(), w); err != nil {
		return toStatus(ctx, s.log, err)
	}
	if err := w.flush(); err != nil {
		return toStatus(ctx, s.log, err)
	}
	return nil
}

var importStates = map[string]billingv1.ImportState{
	imports.Running: billingv1.ImportState_IMPORT_STATE_RUNNING, imports.Succeeded: billingv1.ImportState_IMPORT_STATE_SUCCEEDED,
	imports.Rejected: billingv1.ImportState_IMPORT_STATE_REJECTED, imports.Failed: billingv1.ImportState_IMPORT_STATE_FAILED,
}

func importProto(j imports.Job) *billingv1.ImportJob {
	out := &billingv1.ImportJob{ImportId: j.ID, DistrictId: j.DistrictID, SchoolId: j.SchoolID, Kind: j.Kind, DryRun: j.DryRun,
		FileName: j.FileName, State: importStates[j.State], Percent: int32(j.Percent), CreateTime: timestamppb.New(j.CreateTime)}
	if !j.FinishTime.IsZero() {
		out.FinishTime = timestamppb.New(j.FinishTime)
	}
	if r := j.Report; r != nil {
		rep := &billingv1.ImportReport{Rows: int32(r.Rows), NewRows: int32(r.New), ChangedRows: int32(r.Changed),
			UnchangedRows: int32(r.Unchanged), RejectedRows: int32(r.Rejected), Applied: r.Applied,
			Failure: r.Failure, FailureZh: r.FailureZh, Encoding: r.Encoding}
		for _, e := range r.Errors {
			rep.Errors = append(rep.Errors, &billingv1.ImportRowError{Row: int32(e.Row), Column: e.Column, Value: e.Value,
				Reason: e.Reason, ReasonZh: e.ReasonZh})
		}
		for _, c := range r.Changes {
			ch := &billingv1.ImportRowChange{Row: int32(c.Row), Key: c.Key}
			for _, f := range c.Fields {
				ch.Fields = append(ch.Fields, &billingv1.ImportFieldChange{Column: f.Column, OldValue: f.Old, NewValue: f.New})
			}
			rep.Changes = append(rep.Changes, ch)
		}
		out.Report = rep
	}
	return out
}
