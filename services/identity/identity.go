// Package identity wires the identity service: store, use cases and gRPC
// transport. Identity owns accounts, passwords and sessions in its own
// schema and signs the access tokens every service verifies.
package identity

import (
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	identityv1 "github.com/kehou/kehou/proto/gen/kehou/identity/v1"
	"github.com/kehou/kehou/services/identity/app"
	"github.com/kehou/kehou/services/identity/rpc"
	"github.com/kehou/kehou/services/identity/store"
	"google.golang.org/grpc"
)

// The store keeps what the use cases need.
var _ app.Store = (*store.Store)(nil)

// Register adds the identity service to s and returns its use cases, which
// the process uses once at start-up to make sure the operator account exists.
func Register(s grpc.ServiceRegistrar, pool *pgxpool.Pool, signer app.TokenSigner, cfg app.Config, log *slog.Logger) (*app.App, error) {
	// cfg.Timetable and cfg.Staffing are the system's: timetablefeed and
	// staffingfeed over identity's own connections.
	a, err := app.New(store.New(pool), signer, cfg)
	if err != nil {
		return nil, err
	}
	identityv1.RegisterIdentityServiceServer(s, rpc.New(a, log))
	return a, nil
}
