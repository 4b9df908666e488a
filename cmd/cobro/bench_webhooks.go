package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/event"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/webhook"
	"github.com/cobrobilling/cobro/internal/workspace"
)

// benchWebhooks: events recorded in the outbox, then delivered by the
// worker (signed, recorded, retried on failure) to a receiver on loopback,
// next to the raw ceiling: plain HTTP POSTs of the same bodies to the same
// receiver at the same concurrency.
func benchWebhooks(b *benchEnv) ([]kv, error) {
	var received atomic.Int64
	rcv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		received.Add(1)
		_, _ = w.Write([]byte("ok"))
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = rcv.Serve(ln) }()
	defer rcv.Close()
	url := "http://" + ln.Addr().String() + "/hook"

	ws, err := workspace.ByID(b.ctx, b.db, b.ws.Workspace)
	if err != nil {
		return nil, err
	}
	sc := workspace.Scope{Workspace: ws, TestMode: true} // test mode may deliver to loopback
	now := time.Now()
	if _, err := b.db.ExecContext(b.ctx, `INSERT INTO webhook_endpoints (id, workspace_id, test_mode, url, events, status, consecutive_failures, secret, metadata, created, updated)
		VALUES ($1, $2, TRUE, $3, '["*"]', 'enabled', 0, $4, '{}', $5, $5)`, id.New("whe"), ws.ID, url, webhook.NewSecret(), now.UnixMicro()); err != nil {
		return nil, err
	}

	// Raw ceiling: the same bodies POSTed by N goroutines.
	raw := b.runPhase("raw post", func(ctx context.Context, w int) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(webhook.Body("invoice.finalized", "inv_x")))
		req.Header.Set("Content-Type", "application/json")
		res, err := b.client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			return fmt.Errorf("receiver answered %d", res.StatusCode)
		}
		return nil
	})
	if b.ctx.Err() != nil {
		return nil, b.ctx.Err()
	}

	// Outbox: enough events for the measured window at up to 8,000
	// deliveries/s (more would only lengthen the set-up).
	total := int(min(max(raw.perSecond(), 2000), 8000) * b.duration.Seconds())
	fmt.Fprintf(b.progress, "recording %d events…\n", total)
	for done := 0; done < total; {
		n := min(500, total-done)
		if err := b.db.InTx(b.ctx, func(tx *sql.Tx) error {
			for i := 0; i < n; i++ {
				if err := event.Emit(b.ctx, tx, sc, "invoice.finalized", fmt.Sprintf("inv_%018d", done+i), now); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
		done += n
	}

	worker := &webhook.Worker{DB: b.db, Clock: clock.System{}, Concurrency: b.clients}
	before := received.Load()
	start := time.Now()
	deadline := start.Add(b.duration)
	var errs int
	for time.Now().Before(deadline) {
		n, err := worker.RunOnce(b.ctx)
		if err != nil {
			errs++
		}
		if n == 0 {
			break
		}
	}
	elapsed := time.Since(start)
	delivered := received.Load() - before
	var failed int
	_ = b.db.QueryRowContext(b.ctx, `SELECT COUNT(*) FROM delivery_attempts WHERE status_code IS NULL OR status_code <> 200`).Scan(&failed)
	perS := float64(delivered) / elapsed.Seconds()
	fmt.Fprintf(b.out, "%-16s %10d %12s/s\n", "cobro deliver", delivered, f1(perS))
	b.printPhases(raw)
	return []kv{{"cobro_per_s", f1(perS)}, {"raw_per_s", f1(raw.perSecond())}, {"ratio", ratioTo(perS, raw)},
		{"raw_p99_ms", f2(raw.pct(0.99))}, {"errors", fmt.Sprint(raw.errors + errs + failed)}}, nil
}
