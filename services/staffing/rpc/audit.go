package rpc

import (
	"context"

	staffingv1 "github.com/kehou/kehou/proto/gen/kehou/staffing/v1"
	"github.com/kehou/kehou/services/platform/audit/auditpb"
)

// ListAuditEvents pages through staffing's audit trail (操作日志).
func (s *Server) ListAuditEvents(ctx context.Context, req *staffingv1.ListAuditEventsRequest) (*staffingv1.ListAuditEventsResponse, error) {
	evs, next, err := s.app.AuditEvents(ctx, auditpb.Filter(req))
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &staffingv1.ListAuditEventsResponse{Events: auditpb.Events(evs), NextPageToken: next}, nil
}
