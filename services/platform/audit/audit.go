// Package audit is the audit trail (操作日志) every service keeps of the
// changes made to the data it owns and of bulk reads of personal data:
// who (account and role), when, from where (the client's address), under
// which request id, which method, which object, and the row before and
// after.
//
// Changes are recorded by the database, not by each use case: every audited
// table of a service has the trigger audit_row() (migrations/<svc>/*_audit_log.sql),
// which writes one <schema>.audit_log row per changed row in the same
// transaction as the change. The trigger learns the caller from the
// connection's kehou.audit setting, which Pool sets when a connection is
// taken for a call that may change something (Caller.Mutating) and clears
// when it is given back, so no store has to remember to pass anything.
// A new audited table adds one line to its migration:
//
//	CREATE TRIGGER things_audit AFTER INSERT OR UPDATE OR DELETE ON things
//	    FOR EACH ROW EXECUTE FUNCTION audit_row('thing', 'thing_id');
//
// Events that are not row changes (a roster listed, an export taken) are
// written with Record, in the caller's transaction when there is one.
// Nothing can change or remove an audit row: the service's database role
// may only INSERT and SELECT audit_log, and a trigger refuses UPDATE,
// DELETE and TRUNCATE.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/kehou/kehou/services/platform/auth"
	"github.com/kehou/kehou/services/platform/fault"
	"github.com/kehou/kehou/services/platform/paging"
)

// Caller is who makes the call being served, as the audit trail records it.
type Caller struct {
	AccountID string `json:"account_id,omitempty"`
	Role      string `json:"role,omitempty"`
	// Address is the client's address: the gateway's record of the HTTP
	// client (x-forwarded-for), else the gRPC peer.
	Address   string `json:"address,omitempty"`
	RequestID string `json:"request_id,omitempty"`
	// Action is the full gRPC method, /kehou.billing.v1.PaymentService/RecordPayment.
	Action string `json:"action,omitempty"`
	// Mutating marks a call that may change data: only its connections
	// carry the caller to the database (a read pays nothing for auditing).
	Mutating bool `json:"-"`
}

type callerKey struct{}

// WithCaller returns ctx carrying c; the rpcserver chain calls it on every call.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller of the call being served.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// CallerOf builds the caller from a verified principal (absent for a
// public call such as sign-in).
func CallerOf(p auth.Principal, ok bool, address, requestID, action string, mutating bool) Caller {
	c := Caller{Address: address, RequestID: requestID, Action: action, Mutating: mutating}
	if ok {
		c.AccountID, c.Role = p.AccountID, string(p.Role)
	}
	return c
}

// setting is the PostgreSQL run-time parameter the trigger reads.
const setting = "kehou.audit"

// Pool installs on cfg the hooks that carry the caller of a mutating call
// to the database: when a connection is taken for one, kehou.audit is set
// to the caller (one round trip); when it is given back, the setting is
// cleared, so the next call on that connection is not recorded as this
// caller's. A connection whose setting cannot be cleared is closed.
func Pool(cfg *pgxpool.Config) {
	var mu sync.Mutex
	marked := map[*pgx.Conn]bool{}
	prev := cfg.PrepareConn
	cfg.PrepareConn = func(ctx context.Context, c *pgx.Conn) (bool, error) {
		if prev != nil {
			if ok, err := prev(ctx, c); !ok || err != nil {
				return ok, err
			}
		}
		caller, ok := CallerFrom(ctx)
		if !ok || !caller.Mutating {
			return true, nil
		}
		b, err := json.Marshal(caller)
		if err != nil {
			return true, fmt.Errorf("audit caller: %w", err)
		}
		if _, err := c.Exec(ctx, "SELECT set_config('"+setting+"', $1, false)", string(b)); err != nil {
			return false, fmt.Errorf("set audit caller: %w", err)
		}
		mu.Lock()
		marked[c] = true
		mu.Unlock()
		return true, nil
	}
	prevRelease := cfg.AfterRelease
	cfg.AfterRelease = func(c *pgx.Conn) bool {
		if prevRelease != nil && !prevRelease(c) {
			mu.Lock()
			delete(marked, c)
			mu.Unlock()
			return false
		}
		mu.Lock()
		m := marked[c]
		delete(marked, c)
		mu.Unlock()
		if !m {
			return true
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := c.Exec(ctx, "SELECT set_config('"+setting+"', '', false)")
		return err == nil
	}
}

// Event is one audit_log row.
type Event struct {
	ID         int64
	At         time.Time
	DistrictID string
	SchoolID   string
	Caller
	// Operation is insert, update, delete or read.
	Operation  string
	ObjectKind string
	ObjectID   string
	// Before and After are the row as JSON (nil for a create's before and a
	// delete's after); for a read After holds what was asked.
	Before, After json.RawMessage
}

// Execer is a pool, a connection or a transaction.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Querier is a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Record writes ev (an event that is not a row change: a bulk read) to
// schema's audit_log, with the caller of ctx; pass the change's
// transaction so the record commits with it.
func Record(ctx context.Context, db Execer, schema string, ev Event) error {
	c, _ := CallerFrom(ctx)
	_, err := db.Exec(ctx, `INSERT INTO `+pgx.Identifier{schema, "audit_log"}.Sanitize()+`
		(district_id, school_id, account_id, role, address, request_id, action, operation, object_kind, object_id, before, after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		ev.DistrictID, ev.SchoolID, c.AccountID, c.Role, c.Address, c.RequestID, c.Action,
		ev.Operation, ev.ObjectKind, ev.ObjectID, nullJSON(ev.Before), nullJSON(ev.After))
	if err != nil {
		return fmt.Errorf("record audit event: %w", err)
	}
	return nil
}

func nullJSON(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return []byte(b)
}

// Filter selects audit events; empty fields select everything.
type Filter struct {
	DistrictID string
	// SchoolID limits to one school's events ("" all of the district's).
	SchoolID   string
	AccountID  string
	Action     string
	ObjectKind string
	ObjectID   string
	// Since and Until bound the time, [Since, Until); zero is unbounded.
	Since, Until time.Time
	PageSize     int32
	PageToken    string
}

// Scoped returns f limited to what p may read: their own district, and
// their school for a school-scoped finance officer, whatever f asked.
// (authz has already refused a request naming another scope.)
func Scoped(p auth.Principal, f Filter) Filter {
	f.DistrictID = p.DistrictID
	if p.SchoolID != "" {
		f.SchoolID = p.SchoolID
	}
	return f
}

// maxPage bounds a page: events carry whole rows.
const maxPage = 500

// List returns a page of schema's events matching f, newest first, and the
// token of the next page ("" at the end).
func List(ctx context.Context, db Querier, schema string, f Filter) ([]Event, string, error) {
	after, err := paging.Decode(f.PageToken)
	if err != nil {
		return nil, "", err
	}
	var afterID int64 = -1
	if after != "" {
		if afterID, err = strconv.ParseInt(after, 10, 64); err != nil {
			return nil, "", fault.Invalid("page_token", "not a token from a previous response")
		}
	}
	size := min(paging.Size(f.PageSize), maxPage)
	var since, until *time.Time
	if !f.Since.IsZero() {
		since = &f.Since
	}
	if !f.Until.IsZero() {
		until = &f.Until
	}
	rows, err := db.Query(ctx, `SELECT event_id, at, district_id, school_id, account_id, role, address, request_id,
			action, operation, object_kind, object_id, before, after
		FROM `+pgx.Identifier{schema, "audit_log"}.Sanitize()+`
		WHERE district_id = $1
			AND ($2 = '' OR school_id = $2)
			AND ($3 = '' OR account_id = $3)
			AND ($4 = '' OR action = $4)
			AND ($5 = '' OR object_kind = $5)
			AND ($6 = '' OR object_id = $6)
			AND ($7::timestamptz IS NULL OR at >= $7)
			AND ($8::timestamptz IS NULL OR at < $8)
			AND ($9 < 0 OR event_id < $9)
		ORDER BY event_id DESC
		LIMIT $10`,
		f.DistrictID, f.SchoolID, f.AccountID, f.Action, f.ObjectKind, f.ObjectID, since, until, afterID, size+1)
	if err != nil {
		return nil, "", fmt.Errorf("list audit events: %w", err)
	}
	evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var e Event
		var before, after []byte
		err := r.Scan(&e.ID, &e.At, &e.DistrictID, &e.SchoolID, &e.AccountID, &e.Role, &e.Address, &e.RequestID,
			&e.Action, &e.Operation, &e.ObjectKind, &e.ObjectID, &before, &after)
		e.Before, e.After = before, after
		return e, err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list audit events: %w", err)
	}
	next := ""
	if len(evs) > size {
		evs = evs[:size]
		next = paging.Encode(strconv.FormatInt(evs[len(evs)-1].ID, 10))
	}
	return evs, next, nil
}

// Reader is what a service's use case needs to read its audit trail (its store).
type Reader interface {
	AuditEvents(ctx context.Context, f Filter) ([]Event, string, error)
}

// Read answers a ListAuditEvents for the caller of ctx: the filter is
// held to the caller's scope (Scoped); without a caller it answers NotFound.
func Read(ctx context.Context, r Reader, f Filter) ([]Event, string, error) {
	p, ok := auth.FromContext(ctx)
	if !ok || p.DistrictID == "" {
		return nil, "", fault.ErrNotFound
	}
	return r.AuditEvents(ctx, Scoped(p, f))
}
