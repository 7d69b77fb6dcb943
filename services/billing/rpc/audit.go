package rpc

import (
	"context"

	billingv1 "github.com/kehou/kehou/proto/gen/kehou/billing/v1"
	"github.com/kehou/kehou/services/platform/audit/auditpb"
)

// ListAuditEvents pages through billing's audit trail (操作日志).
func (s *Server) ListAuditEvents(ctx context.Context, req *billingv1.ListAuditEventsRequest) (*billingv1.ListAuditEventsResponse, error) {
	evs, next, err := s.app.AuditEvents(ctx, auditpb.Filter(req))
	if err != nil {
		return nil, toStatus(ctx, s.log, err)
	}
	return &billingv1.ListAuditEventsResponse{Events: auditpb.Events(evs), NextPageToken: next}, nil
}
