package importjob

import (
	"errors"
	"fmt"
	"io"
	"os"

	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	"github.com/kehou/kehou/services/platform/fault"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// MaxUploadBytes caps what an UploadImport spools to disk, whatever the
// gateway's limit: a 50,000-row roster is a few MiB.
const MaxUploadBytes = 64 << 20

// Chunk is what every service's UploadImportRequest has: the next bytes.
type Chunk interface{ GetChunk() []byte }

// Spool writes the chunks of an upload, first and then what recv yields
// until io.EOF, to a temporary file (an .xlsx can only be read from its
// end, where zip keeps its directory) and returns its path; the caller
// owns the file then. On an error nothing is left on disk.
func Spool[M Chunk](first M, recv func() (M, error)) (path string, err error) {
	f, err := os.CreateTemp("", "kehou-import-*")
	if err != nil {
		return "", err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(f.Name())
			path = ""
		}
	}()
	var n int64
	for msg := first; ; {
		n += int64(len(msg.GetChunk()))
		if n > MaxUploadBytes {
			return "", fault.Invalid("file", fmt.Sprintf("the file is larger than %d MiB (文件超过 %d MiB)", MaxUploadBytes>>20, MaxUploadBytes>>20))
		}
		if _, err := f.Write(msg.GetChunk()); err != nil {
			return "", err
		}
		msg, err = recv()
		if errors.Is(err, io.EOF) {
			return f.Name(), nil
		}
		if err != nil {
			return "", err
		}
	}
}

var states = map[string]commonv1.ImportState{
	Running: commonv1.ImportState_IMPORT_STATE_RUNNING, Succeeded: commonv1.ImportState_IMPORT_STATE_SUCCEEDED,
	Rejected: commonv1.ImportState_IMPORT_STATE_REJECTED, Failed: commonv1.ImportState_IMPORT_STATE_FAILED,
}

// Proto is a job as every service's API shows it.
func Proto(j Job) *commonv1.ImportJob {
	out := &commonv1.ImportJob{ImportId: j.ID, SchoolId: j.SchoolID, DistrictId: j.DistrictID, Kind: j.Kind, DryRun: j.DryRun, FileName: j.FileName,
		State: states[j.State], Percent: int32(j.Percent), CreateTime: timestamppb.New(j.CreateTime)}
	if !j.FinishTime.IsZero() {
		out.FinishTime = timestamppb.New(j.FinishTime)
	}
	if r := j.Report; r != nil {
		rep := &commonv1.ImportReport{Rows: int32(r.Rows), NewRows: int32(r.New), ChangedRows: int32(r.Changed),
			UnchangedRows: int32(r.Unchanged), RejectedRows: int32(r.Rejected), Applied: r.Applied,
			Failure: r.Failure, FailureZh: r.FailureZh, Encoding: r.Encoding}
		for _, e := range r.Errors {
			rep.Errors = append(rep.Errors, &commonv1.ImportRowError{Row: int32(e.Row), Column: e.Column, Value: e.Value,
				Reason: e.Reason, ReasonZh: e.ReasonZh})
		}
		for _, c := range r.Changes {
			ch := &commonv1.ImportRowChange{Row: int32(c.Row), Key: c.Key}
			for _, f := range c.Fields {
				ch.Fields = append(ch.Fields, &commonv1.ImportFieldChange{Column: f.Column, OldValue: f.Old, NewValue: f.New})
			}
			rep.Changes = append(rep.Changes, ch)
		}
		out.Report = rep
	}
	return out
}
