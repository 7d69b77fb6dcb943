package rpc

import (
	"context"

	timetablev1 "github.com/kehou/kehou/proto/gen/kehou/timetable/v1"
	"github.com/kehou/kehou/services/platform/audit/auditpb"
)

// ListAuditEvents pages through timetable's audit trail (操作日志).
func (s *Server) ListAuditEvents(ctx context.Context, req *timetablev1.ListAuditEventsRequest) (*timetablev1.ListAuditEventsResponse, error) {
	evs, next, err := s.app.AuditEvents(ctx, auditpb.Filter(req))
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &timetablev1.ListAuditEventsResponse{Events: auditpb.Events(evs), NextPageToken: next}, nil
}
