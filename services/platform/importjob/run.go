package importjob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/sheet"
)

// Work reads a file's rows and (unless a dry run or a bad row says not)
// writes them, calling progress with the fraction of the file read.
type Work func(ctx context.Context, progress func(float64)) (Report, error)

// Runner runs a service's import jobs in the background: the job row is
// created running, its percent moves while the work reads rows, and it
// ends succeeded, rejected or failed with the work's report.
type Runner struct {
	Jobs *Store
	// Prefix starts every job id ("imp" timetable, "simp" staffing, "bimp"
	// billing): the gateway routes GetImport by it.
	Prefix string
	// Timeout bounds one job (default 30 minutes).
	Timeout time.Duration
	// Settle, if set, is called when a job's work has ended and before the
	// job is recorded finished, so that whoever sees the finished job reads
	// what it wrote (changes.Feed.Sync).
	Settle func(context.Context)

	mu       sync.Mutex
	running  map[string]context.CancelFunc // job id → cancels its work
	stopping bool
	wg       sync.WaitGroup
}

// NewRunner returns a runner over jobs.
func NewRunner(jobs *Store, prefix string) *Runner {
	return &Runner{Jobs: jobs, Prefix: prefix}
}

// Start records job as running and runs work in the background; the job
// returned is the one recorded. The job outlives the upload call (ctx's
// values, such as the caller the audit trail names, go with it; its
// cancellation does not); log gets what fails after the call has ended.
func (r *Runner) Start(ctx context.Context, log *slog.Logger, job Job, work Work) (Job, error) {
	r.mu.Lock()
	stopping := r.stopping
	r.mu.Unlock()
	if stopping {
		return Job{}, fmt.Errorf("the service is shutting down: upload again shortly (服务正在停止，请稍后重新上传): %w", fault.ErrUnavailable)
	}
	job.ID, job.State, job.Percent = NewID(r.Prefix), Running, 0
	if job.CreateTime.IsZero() {
		job.CreateTime = time.Now()
	}
	if err := r.Jobs.Create(ctx, job); err != nil {
		return Job{}, err
	}
	timeout := r.Timeout
	if timeout == 0 {
		timeout = 30 * time.Minute
	}
	bg, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	r.mu.Lock()
	if r.running == nil {
		r.running = map[string]context.CancelFunc{}
	}
	r.running[job.ID] = cancel
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		defer cancel()
		state, rep := r.run(bg, log, job, work)
		if r.Settle != nil {
			r.Settle(bg)
		}
		r.mu.Lock()
		delete(r.running, job.ID)
		if state == Failed && r.stopping && bg.Err() != nil {
			state, rep = Failed, Report{Rows: rep.Rows, Encoding: rep.Encoding, Failure: Interrupted, FailureZh: InterruptedZh}
		}
		r.mu.Unlock()
		// The result is written even when the work was cancelled.
		fctx, fcancel := context.WithTimeout(context.WithoutCancel(bg), 10*time.Second)
		defer fcancel()
		if err := r.Jobs.Finish(fctx, job, state, rep); err != nil {
			log.Error("record import result", "import_id", job.ID, "err", err)
		}
	}()
	return job, nil
}

// Run runs work to the end in the caller's goroutine, with progress but
// no job row (tests and benchmarks).
func Run(ctx context.Context, work Work, progress func(float64)) (Report, error) {
	if progress == nil {
		progress = func(float64) {}
	}
	rep, err := work(ctx, progress)
	if err == nil {
		progress(1)
	}
	return rep, err
}

// run does the work and says how the job ends.
func (r *Runner) run(ctx context.Context, log *slog.Logger, job Job, work Work) (string, Report) {
	var mu sync.Mutex
	last := -1
	progress := func(f float64) {
		mu.Lock()
		defer mu.Unlock()
		if p := int(f * 99); p >= last+5 { // 100 only when finished
			last = p
			_ = r.Jobs.SetProgress(ctx, job.Scope, job.ID, p)
		}
	}
	rep, err := work(ctx, progress)
	if err == nil {
		progress(1)
	}
	switch {
	case err != nil:
		var se *sheet.Error
		if errors.As(err, &se) {
			rep.Failure, rep.FailureZh = se.Reason, se.ReasonZh
		} else {
			log.Error("import failed", "import_id", job.ID, "kind", job.Kind, "err", err)
			rep.Failure, rep.FailureZh = "the import failed; nothing was written", "导入失败，未写入任何数据"
		}
		rep.Applied = false
		return Failed, rep
	case rep.Rejected > 0:
		return Rejected, rep
	}
	return Succeeded, rep
}

// Encoding is how a report names what was read: "xlsx" for a workbook, a
// CSV's text encoding otherwise.
func Encoding(rd *sheet.Reader) string {
	if rd.Format == "xlsx" {
		return "xlsx"
	}
	return rd.Encoding
}

// Recover fails the jobs a previous run of the service left running (it
// stopped without Shutdown: killed, or the machine went down). Call it at
// start, before serving: a service is one process over its schema.
func (r *Runner) Recover(ctx context.Context) (int64, error) {
	return r.Jobs.FailRunning(ctx, nil)
}

// Shutdown refuses new jobs, cancels the running ones (their transactions
// roll back) and waits for them to record themselves failed, interrupted
// by shutdown; those still running when ctx ends are marked so directly.
func (r *Runner) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.stopping = true
	for _, cancel := range r.running {
		cancel()
	}
	r.mu.Unlock()
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	r.mu.Lock()
	ids := make([]string, 0, len(r.running))
	for id := range r.running {
		ids = append(ids, id)
	}
	r.mu.Unlock()
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, err := r.Jobs.FailRunning(fctx, ids)
	return err
}
