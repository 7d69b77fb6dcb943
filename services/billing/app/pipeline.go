package app

import (
	"context"

	"github.com/kehou/kehou/services/billing/app/runexec"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/runs"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/kehou/kehou/services/platform/civil"
)

// pipelinedWriter writes one batch in the background while the next is
// issued (computeSchools computes further ahead), so the run's transaction
// side overlaps its own COPY. The
// transaction is used by one goroutine at a time: every other call waits
// for the batch being written first.
type pipelinedWriter struct {
	runs.Writer
	pipe runexec.Pipe
	// inputs are school snapshots waiting to be written behind the next batch.
	inputs []runs.Inputs
}

func (p *pipelinedWriter) flush() error { return p.pipe.Wait() }

// Write hands a batch to the background writer, first collecting the
// previous batch's result; the snapshots of schools finished since are
// written after it, by the same goroutine.
func (p *pipelinedWriter) Write(ctx context.Context, sts []statement.Issued, posts []ledger.Posting) error {
	inputs := p.inputs
	p.inputs = nil
	return p.async(func() error {
		if err := p.Writer.Write(ctx, sts, posts); err != nil {
			return err
		}
		return writeInputs(ctx, p.Writer, inputs)
	})
}

// WriteInputs queues a school's inputs snapshot to go out with the next
// batch (or at the end of the run), so its insert does not hold up the
// transaction side. A run that writes no batches (nothing changed) sends the
// queue on its own once two snapshots wait, so memory holds at most two.
func (p *pipelinedWriter) WriteInputs(ctx context.Context, in runs.Inputs) error {
	p.inputs = append(p.inputs, in)
	if len(p.inputs) >= 2 {
		return p.writeQueuedInputs(ctx)
	}
	return nil
}

// writeQueuedInputs writes the snapshots still queued when the run's statements are done.
func (p *pipelinedWriter) writeQueuedInputs(ctx context.Context) error {
	inputs := p.inputs
	p.inputs = nil
	if len(inputs) == 0 {
		return nil
	}
	return p.async(func() error { return writeInputs(ctx, p.Writer, inputs) })
}

func writeInputs(ctx context.Context, w runs.Writer, inputs []runs.Inputs) error {
	for _, in := range inputs {
		if err := w.WriteInputs(ctx, in); err != nil {
			return err
		}
	}
	return nil
}

func (p *pipelinedWriter) async(write func() error) error { return p.pipe.Go(write) }

func (p *pipelinedWriter) LockPeriod(ctx context.Context, schoolID, termID string, from, to civil.Date) error {
	if err := p.flush(); err != nil {
		return err
	}
	return p.Writer.LockPeriod(ctx, schoolID, termID, from, to)
}

func (p *pipelinedWriter) Current(ctx context.Context, schoolID, termID string, from, to civil.Date) (map[string]statement.Current, error) {
	if err := p.flush(); err != nil {
		return nil, err
	}
	return p.Writer.Current(ctx, schoolID, termID, from, to)
}

func (p *pipelinedWriter) Effective(ctx context.Context, schoolID, studentID, termID string, from, to civil.Date) ([]statement.Line, error) {
	if err := p.flush(); err != nil {
		return nil, err
	}
	return p.Writer.Effective(ctx, schoolID, studentID, termID, from, to)
}
