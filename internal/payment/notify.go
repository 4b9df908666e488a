package payment

import (
	"database/sql"
	"errors"

	"github.com/cobrobilling/cobro/internal/gateway"
)

// Notified acts on a processor's verified callback (a Stripe webhook,
// docs/payments.md#17-stripe) once: an event id seen before changes
// nothing (processors resend until acknowledged). A source still waiting
// on its payer (3-D Secure) whose operation the event names is settled as
// if the payer had come back: the gateway reads the result from the
// processor, so neither the callback's nor the browser's word decides.
// duplicate reports an event already handled.
func Notified(e Env, gatewayID string, n *gateway.Notification) (duplicate bool, err error) {
	res, err := e.Q.ExecContext(e.Ctx, `INSERT INTO gateway_events (workspace_id, test_mode, gateway, event_id, reference, kind, created)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		e.Scope.ID, e.Scope.TestMode, gatewayID, n.ID, n.Reference, n.Kind, e.Now.UnixMicro())
	if err != nil {
		return false, err
	}
	if k, err := res.RowsAffected(); err != nil || k == 0 {
		return true, err
	}
	if n.Kind != "charge" || n.Reference == "" {
		return false, nil
	}
	var sourceID string
	err = e.Q.QueryRowContext(e.Ctx, `SELECT id FROM sources WHERE workspace_id = $1 AND test_mode = $2 AND gateway_token = $3 AND gateway = $4
		AND status IN ($5, $6)`+e.D.ForUpdate(),
		e.Scope.ID, e.Scope.TestMode, n.Reference, gatewayID, SourceRequiresAuthorization, SourceWaitingAuthorization).Scan(&sourceID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, err = SourceReturned(e, gatewayID, sourceID, nil)
	return false, err
}
