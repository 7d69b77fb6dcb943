// Package auditpb converts between the audit trail and its gRPC messages,
// the same way for every service's ListAuditEvents.
package auditpb

import (
	commonv1 "github.com/kehou/kehou/proto/gen/kehou/common/v1"
	"github.com/kehou/kehou/services/platform/audit"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Request is what every service's ListAuditEventsRequest has.
type Request interface {
	GetDistrictId() string
	GetSchoolId() string
	GetAccountId() string
	GetAction() string
	GetObjectKind() string
	GetObjectId() string
	GetSince() *timestamppb.Timestamp
	GetUntil() *timestamppb.Timestamp
	GetPageSize() int32
	GetPageToken() string
}

// Filter reads a request's filters.
func Filter(r Request) audit.Filter {
	f := audit.Filter{
		DistrictID: r.GetDistrictId(), SchoolID: r.GetSchoolId(), AccountID: r.GetAccountId(),
		Action: r.GetAction(), ObjectKind: r.GetObjectKind(), ObjectID: r.GetObjectId(),
		PageSize: r.GetPageSize(), PageToken: r.GetPageToken(),
	}
	if t := r.GetSince(); t != nil {
		f.Since = t.AsTime()
	}
	if t := r.GetUntil(); t != nil {
		f.Until = t.AsTime()
	}
	return f
}

// Events converts a page of events.
func Events(evs []audit.Event) []*commonv1.AuditEvent {
	out := make([]*commonv1.AuditEvent, len(evs))
	for i, e := range evs {
		out[i] = &commonv1.AuditEvent{
			EventId: e.ID, Time: timestamppb.New(e.At), DistrictId: e.DistrictID, SchoolId: e.SchoolID,
			AccountId: e.AccountID, Role: e.Role, Address: e.Address, RequestId: e.RequestID, Action: e.Action,
			Operation: e.Operation, ObjectKind: e.ObjectKind, ObjectId: e.ObjectID,
			Before: string(e.Before), After: string(e.After),
		}
	}
	return out
}
