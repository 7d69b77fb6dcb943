// Package runs is the mechanism billing's runs share: fee runs today, pay
// runs (劳务报酬) next. A run is issued once per request id, computes from a
// snapshot of its inputs that it stores beside its results, and can be
// replayed from that snapshot alone. The pieces, each usable by any kind of
// run:
//
//   - idempotency: RequestHash fingerprints the request; a second request
//     with the same id returns the stored run (SameRequest), or
//     AlreadyExists when the id was used for a different request. The
//     store keeps (district_id, request_id) unique, and the app runs
//     duplicates in one process once (app/runexec.Flight).
//   - inputs snapshot: a Snapshot per school streams a header and then one
//     JSON value per subject (student, teacher ...) through sha256 and gzip;
//     Inputs is its stored form; an InputsHash over the schools' hashes is
//     the run's inputs_hash, so the stored snapshot proves it.
//   - replay: ReadSnapshot decodes a stored snapshot and recomputes its
//     hash, so a verifier can rerun the pure engine and compare.
//   - adjustments: Revise decides, per subject, whether a rerun issues a
//     first statement, an adjustment of the earlier ones, or nothing.
//
// To plug in a pay run: give it a request type (hashed by RequestHash), a
// record like Run with its own table keyed (district_id, request_id), write
// one Snapshot per school with the pay engine's exact inputs, store it as
// Inputs (a table like billing.run_inputs), Revise each teacher's pay
// statement against the current one, and verify with ReadSnapshot. The fee
// run's own record, result and transaction port are Run, Result and Writer.
package runs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/kehou/kehou/services/billing/domain/fee"
	"github.com/kehou/kehou/services/billing/domain/ledger"
	"github.com/kehou/kehou/services/billing/domain/statement"
	"github.com/kehou/kehou/services/platform/civil"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/shopspring/decimal"
)

// Run is an issued fee run.
type Run struct {
	ID          string
	RequestID   string
	DistrictID  string
	SchoolID    string
	TermID      string
	PeriodKind  fee.PeriodKind
	From, To    civil.Date
	Status      string
	Inputs      json.RawMessage
	InputsHash  string
	RequestHash string
	Statements  int
	Adjustments int
	Unchanged   int
	ParentTotal decimal.Decimal
	CreateTime  time.Time
}

// Result is what a run's producer reports when it has written everything.
type Result struct {
	Inputs      json.RawMessage
	InputsHash  string
	Statements  int
	Adjustments int
	Unchanged   int
	ParentTotal decimal.Decimal
}

// Inputs is one school's inputs snapshot of a run (billing.run_inputs):
// the gzip-compressed JSON lines of everything the engine read, so the run
// can be replayed without timetable. SHA256 is over the uncompressed stream.
type Inputs struct {
	DistrictID  string
	SchoolID    string
	RunID       string
	RunSchoolID string
	TermID      string
	From, To    civil.Date
	Students    int
	SHA256      string
	Data        []byte
}

// Writer writes one fee run's records inside its transaction.
type Writer interface {
	// LockPeriod serialises runs of one school and period, so two runs never
	// issue against the same current state.
	LockPeriod(ctx context.Context, schoolID, termID string, from, to civil.Date) error
	// Current returns the latest statement of every student of the school
	// and period (empty on a first run).
	Current(ctx context.Context, schoolID, termID string, from, to civil.Date) (map[string]statement.Current, error)
	// Effective returns the sum of the lines of every statement of the
	// student and period: what the student has been billed so far.
	Effective(ctx context.Context, schoolID, studentID, termID string, from, to civil.Date) ([]statement.Line, error)
	// Write appends statements with their lines and postings (COPY).
	Write(ctx context.Context, sts []statement.Issued, postings []ledger.Posting) error
	// WriteInputs stores one school's inputs snapshot of the run.
	WriteInputs(ctx context.Context, in Inputs) error
}

// RequestHash fingerprints a run request (its JSON form), to tell a replay
// of a request id from its reuse for something else.
func RequestHash(req any) string {
	b, _ := json.Marshal(req)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// SameRequest returns nil when a stored run (id runID, created by request
// id requestID with hash storedHash) answers a request hashing to rh, and
// AlreadyExists when the request id was used for a different request. An
// empty stored hash (a run from before hashes were kept) always matches.
func SameRequest(runID, requestID, storedHash, rh string) error {
	if storedHash != "" && storedHash != rh {
		return fault.AlreadyExists("request_id " + requestID + " was used by run " + runID + " for a different request")
	}
	return nil
}

// NewID returns a random id with a readable prefix ("run-3f2a…").
func NewID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// Revision is what a rerun issues for one subject.
type Revision int

// The revisions Revise decides between.
const (
	// Skip issues nothing: the subject has nothing to bill and was never billed.
	Skip Revision = iota
	// Unchanged issues nothing: the recomputation has the current statement's content hash.
	Unchanged
	// First issues a first statement (a charge, revision 1).
	First
	// Adjust issues an adjustment: the recomputation minus what the earlier revisions billed.
	Adjust
)

// Revise decides what a run issues for a subject whose recomputed content
// hashes to hash (empty says whether it has no lines), given the current
// statement when had is true.
func Revise(cur statement.Current, had bool, hash string, empty bool) Revision {
	switch {
	case had && cur.ContentHash == hash:
		return Unchanged
	case !had && empty:
		return Skip
	case had:
		return Adjust
	default:
		return First
	}
}
