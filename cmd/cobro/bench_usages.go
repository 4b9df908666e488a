package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/cobrobilling/cobro/internal/catalog"
	"github.com/cobrobilling/cobro/internal/id"
)

// benchUsages (docs/operations.md#4-benchmarks `usages`): usage records ingested over
// HTTP (POST /usages/, each checked against its subscription and period)
// next to the raw ceiling, the same usages row written by plain SQL. Each
// client records on its own metered subscription line.
func benchUsages(b *benchEnv) ([]kv, error) {
	ctx := b.ctx
	post := func(path string, body any, out any) error {
		data, _ := json.Marshal(body)
		return b.post(ctx, path, data, http.StatusCreated, out)
	}
	var obj struct {
		ID    string `json:"id"`
		Lines []struct {
			ID string `json:"id"`
		} `json:"lines"`
	}
	if err := post("/products/", map[string]any{"name": "API calls"}, &obj); err != nil {
		return nil, err
	}
	if err := post("/plans/", map[string]any{"product": obj.ID, "name": "Calls", "description": "API calls, per 1,000",
		"frequency": "monthly", "currency": "USD", "amount": "0.50", "usage_scheme": "metered"}, &obj); err != nil {
		return nil, err
	}
	plan := obj.ID
	loc, _ := time.LoadLocation(catalog.DefaultTimeZone("US")) // the bench workspace's zone
	start := time.Now().In(loc).Format(time.DateOnly)
	lines := make([]string, b.clients)
	subs := make([]string, b.clients)
	for w := range lines {
		if err := post("/customers/", newCustomerBody("usage", w, 0), &obj); err != nil {
			return nil, err
		}
		if err := post("/subscriptions/", map[string]any{"customer": obj.ID, "document": "US1", "date_start": start,
			"lines": []any{map[string]any{"plan": plan}}}, &obj); err != nil {
			return nil, err
		}
		subs[w], lines[w] = obj.ID, obj.Lines[0].ID
	}
	usage := func(w int) map[string]any {
		return map[string]any{"subscription_line": lines[w], "date_time": time.Now().UTC().Format(time.RFC3339Nano), "quantity": "12.5"}
	}
	raw := b.runPhase("raw insert", func(ctx context.Context, w int) error {
		_, err := b.db.ExecContext(ctx, `INSERT INTO usages (id, workspace_id, test_mode, subscription_id, line_id, date_time, quantity, creation_scheme, created)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, id.New("usa"), b.ws.Workspace, false, subs[w], lines[w], time.Now().UnixMicro(), "12.5", "api", time.Now().UnixMicro())
		return err
	})
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	api := b.runPhase("cobro usage", func(ctx context.Context, w int) error { return post("/usages/", usage(w), nil) })
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	b.printPhases(raw, api)
	return append(versusRaw(api, raw), kv{"errors", strconv.Itoa(raw.errors + api.errors)}), nil
}
