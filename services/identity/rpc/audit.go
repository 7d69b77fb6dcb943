package rpc

import (
	"context"

	identityv1 "github.com/kehou/kehou/proto/gen/kehou/identity/v1"
	"github.com/kehou/kehou/services/platform/audit/auditpb"
)

// ListAuditEvents pages through identity's audit trail (操作日志).
func (s *Server) ListAuditEvents(ctx context.Context, req *identityv1.ListAuditEventsRequest) (*identityv1.ListAuditEventsResponse, error) {
	evs, next, err := s.app.AuditEvents(ctx, auditpb.Filter(req))
	if err != nil {
		return nil, s.toStatus(ctx, err)
	}
	return &identityv1.ListAuditEventsResponse{Events: auditpb.Events(evs), NextPageToken: next}, nil
}
