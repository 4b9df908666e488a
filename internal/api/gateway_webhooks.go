package api

import (
	"net/http"

	"github.com/cobrobilling/cobro/internal/apperr"
	"github.com/cobrobilling/cobro/internal/gateway"
	"github.com/cobrobilling/cobro/internal/payment"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// gatewayWebhook receives a processor's webhook for one workspace and
// mode (docs/payments.md#17-stripe): the gateway verifies its signature
// with the workspace's credentials; a verified event is acted on once.
func (s *Server) gatewayWebhook(r *Request) (int, any, error) {
	mode := r.PathValue("mode")
	w, err := workspace.ByID(r.Ctx, r.Q, r.PathValue("workspace"))
	if err != nil || (mode != "test" && mode != "live") {
		return 0, nil, apperr.NotFoundErr()
	}
	r.Scope = workspace.Scope{Workspace: w, TestMode: mode == "test"}
	e := r.payEnv()
	gatewayID := r.PathValue("gateway")
	g, msg, err := payment.GatewayFor(e, gatewayID)
	if err != nil {
		return 0, nil, err
	}
	n, ok := g.(gateway.Notifier)
	if msg != "" || !ok {
		return 0, nil, apperr.NotFoundErr()
	}
	note, err := n.Notification(r.Ctx, r.R.Header, r.Raw)
	if err != nil {
		return 0, nil, apperr.Detail(apperr.Invalid, "The webhook's signature does not verify with this workspace's signing secret.")
	}
	duplicate, err := payment.Notified(e, gatewayID, note)
	return reply(http.StatusOK, map[string]any{"id": note.ID, "duplicate": duplicate}, err)
}
