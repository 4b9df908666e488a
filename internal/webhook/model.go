// Package webhook delivers events to webhook endpoints (docs/webhooks.md):
// endpoints, fan-out of each event into deliveries in the event's own
// transaction, signed HTTP delivery through the job table with retries,
// auto-disable, redelivery and an SSRF guard.
package webhook

import (
	"context"
	"database/sql"
	"encoding/json"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/list"
	"github.com/cobrobilling/cobro/internal/rows"
	"github.com/cobrobilling/cobro/internal/store"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// Endpoint statuses and disable reasons.
const (
	StatusEnabled  = "enabled"
	StatusDisabled = "disabled"

	ReasonFailures = "consecutive_failures"
	ReasonManual   = "manual"
)

// Endpoint is a stored webhook endpoint.
type Endpoint struct {
	ID                  string
	WorkspaceID         string
	TestMode            bool
	URL                 string
	Description         *string
	Events              []string
	Status              string
	DisabledReason      *string
	Disabled            *int64
	ConsecutiveFailures int64
	Secret              string
	PreviousSecret      *string
	PreviousSecretUntil *int64
	Metadata            json.RawMessage
	Created, Updated    int64
}

// Columns and ScanEndpoint read endpoints (shared by the API code).
var endpointsTable = rows.Table{Name: "webhook_endpoints", Prefix: "whe", Columns: Columns}

// Columns is the select list ScanEndpoint reads.
const Columns = `id, workspace_id, test_mode, url, description, events, status, disabled_reason, disabled, consecutive_failures,
	secret, previous_secret, previous_secret_until, metadata, created, updated`

func ScanEndpoint(row list.Scanner) (*Endpoint, error) {
	var (
		e                   Endpoint
		desc, reason, prev  sql.NullString
		disabled, prevUntil sql.NullInt64
		events, metadata    string
	)
	if err := row.Scan(&e.ID, &e.WorkspaceID, &e.TestMode, &e.URL, &desc, &events, &e.Status, &reason, &disabled, &e.ConsecutiveFailures,
		&e.Secret, &prev, &prevUntil, &metadata, &e.Created, &e.Updated); err != nil {
		return nil, err
	}
	if desc.Valid {
		e.Description = &desc.String
	}
	if reason.Valid {
		e.DisabledReason = &reason.String
	}
	if prev.Valid {
		e.PreviousSecret = &prev.String
	}
	if disabled.Valid {
		e.Disabled = &disabled.Int64
	}
	if prevUntil.Valid {
		e.PreviousSecretUntil = &prevUntil.Int64
	}
	e.Metadata = json.RawMessage(metadata)
	if err := json.Unmarshal([]byte(events), &e.Events); err != nil {
		return nil, err
	}
	return &e, nil
}

// GetEndpoint loads an endpoint of the scope (404 otherwise).
func GetEndpoint(ctx context.Context, q store.Querier, sc workspace.Scope, endpointID, lock string) (*Endpoint, error) {
	return rows.Get(ctx, q, sc, endpointsTable, endpointID, lock, ScanEndpoint)
}

// Subscribed reports whether the endpoint's event filter selects name:
// "*" selects all, "family.*" a family, anything else an exact name.
func (e *Endpoint) Subscribed(name string) bool { return event.Subscribed(e.Events, name) }

// View is the API object of an endpoint (docs/webhooks.md#12-endpoint-object).
type View struct {
	ID                     string          `json:"id"`
	URL                    string          `json:"url"`
	Description            *string         `json:"description"`
	Events                 []string        `json:"events"`
	Status                 string          `json:"status"`
	DisabledReason         *string         `json:"disabled_reason"`
	Disabled               clock.NullStamp `json:"disabled"`
	ConsecutiveFailures    int64           `json:"consecutive_failures"`
	Secret                 string          `json:"secret"`
	StandardWebhooksSecret string          `json:"standard_webhooks_secret"`
	Metadata               json.RawMessage `json:"metadata"`
	TestMode               bool            `json:"test_mode"`
	Created                clock.Stamp     `json:"created"`
	Updated                clock.Stamp     `json:"updated"`
}

// View renders e in the scope's time zone.
func (e *Endpoint) View(sc workspace.Scope) *View {
	return &View{ID: e.ID, URL: e.URL, Description: e.Description, Events: e.Events, Status: e.Status, DisabledReason: e.DisabledReason,
		Disabled: clock.NullStamp{Micros: e.Disabled, Loc: sc.Loc}, ConsecutiveFailures: e.ConsecutiveFailures, Secret: e.Secret,
		StandardWebhooksSecret: StandardSecret(e.Secret), Metadata: e.Metadata, TestMode: e.TestMode,
		Created: clock.Stamp{Micros: e.Created, Loc: sc.Loc}, Updated: clock.Stamp{Micros: e.Updated, Loc: sc.Loc}}
}
