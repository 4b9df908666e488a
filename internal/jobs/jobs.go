// Package jobs is the one table of background work and the one runner of
// it (runner.go): webhook deliveries, tax-agency submissions, emails and
// payment expiries. Jobs are
// enqueued in the same transaction as the change that causes them, carry a
// unique key so the same work is never queued twice, and are claimed with
// a lease so several nodes share them and a crashed node's jobs come back.
package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/store"
)

// Job is a claimed unit of work.
type Job struct {
	ID, Kind, Key string
	Payload       []byte
	RunAt         time.Time
	// Lanes are the job's groups for its kind's Lanes, as enqueued ("" for
	// none).
	Lanes [MaxLanes]string
}

// MaxLanes is how many groupings a kind's Lanes may have: the job row
// stores one value for each (lane1, lane2).
const MaxLanes = 2

// Enqueue adds a job unless one with the same unique key exists.
func Enqueue(ctx context.Context, q store.Querier, kind, key string, payload any, runAt, now time.Time) error {
	return EnqueueInLanes(ctx, q, kind, key, [MaxLanes]string{}, payload, runAt, now)
}

// EnqueueInLanes adds a job of a kind with Lanes, with its value of each
// grouping (for a webhook delivery: its workspace and its endpoint), unless
// one with the same unique key exists.
func EnqueueInLanes(ctx context.Context, q store.Querier, kind, key string, lanes [MaxLanes]string, payload any, runAt, now time.Time) error {
	row, err := Row(kind, key, lanes, payload, runAt, now)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO jobs (`+RowColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`+RowConflict, row...)
	return err
}

// RowColumns and RowConflict insert the rows of Row in a multi-row
// statement (store.InsertRows), as EnqueueInLanes does one.
const (
	RowColumns  = `id, kind, unique_key, payload, run_at, created, lane1, lane2`
	RowConflict = ` ON CONFLICT (unique_key) DO NOTHING`
)

// Row is the jobs row (RowColumns) of a job to enqueue.
func Row(kind, key string, lanes [MaxLanes]string, payload any, runAt, now time.Time) ([]any, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	return []any{id.New("job"), kind, key, string(b), runAt.UnixMicro(), now.UnixMicro(), lanes[0], lanes[1]}, nil
}

// jobColumns are what a claim returns of a job, in scanJobs' order.
const jobColumns = `id, kind, unique_key, payload, run_at, COALESCE(lane1, ''), COALESCE(lane2, '')`

// Claim leases up to limit due jobs of kind to worker until now+lease.
// PostgreSQL skips rows another node is claiming (SKIP LOCKED); SQLite has
// one writer at a time.
func Claim(ctx context.Context, db *store.DB, kind, worker string, now time.Time, lease time.Duration, limit int) ([]Job, error) {
	var out []Job
	err := db.InTx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = store.Collect(ctx, tx, scanJob, `UPDATE jobs SET locked_by = $1, locked_until = $2 WHERE id IN (
			SELECT id FROM jobs WHERE kind = $3 AND run_at <= $4 AND (locked_until IS NULL OR locked_until < $4)
			ORDER BY run_at LIMIT `+fmt.Sprint(limit)+db.Dialect.SkipLocked()+`)
			RETURNING `+jobColumns, worker, now.Add(lease).UnixMicro(), kind, now.UnixMicro())
		return err
	})
	return out, err
}

func scanJob(r store.Scanner) (Job, error) {
	var (
		j       Job
		payload string
		runAt   int64
	)
	if err := r.Scan(&j.ID, &j.Kind, &j.Key, &payload, &runAt, &j.Lanes[0], &j.Lanes[1]); err != nil {
		return Job{}, err
	}
	j.Payload, j.RunAt = []byte(payload), time.UnixMicro(runAt)
	return j, nil
}

// Complete removes a finished job.
func Complete(ctx context.Context, q store.Querier, jobID string) error {
	_, err := q.ExecContext(ctx, `DELETE FROM jobs WHERE id = $1`, jobID)
	return err
}

// Retry releases a job to run again at runAt.
func Retry(ctx context.Context, q store.Querier, jobID string, runAt time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE jobs SET run_at = $1, locked_by = NULL, locked_until = NULL WHERE id = $2`, runAt.UnixMicro(), jobID)
	return err
}

// Stats is the queue depth and the age of the oldest due job per kind.
type Stats struct {
	Depth     int
	OldestDue time.Duration
}

// Depths reports the queue per kind (for /metrics).
func Depths(ctx context.Context, q store.Querier, now time.Time) (map[string]Stats, error) {
	type depth struct {
		kind  string
		n     int
		first int64
	}
	depths, err := store.Collect(ctx, q, func(r store.Scanner) (d depth, err error) {
		return d, r.Scan(&d.kind, &d.n, &d.first)
	}, `SELECT kind, COUNT(*), MIN(run_at) FROM jobs GROUP BY kind`)
	if err != nil {
		return nil, err
	}
	out := map[string]Stats{}
	for _, d := range depths {
		s := Stats{Depth: d.n}
		if age := now.Sub(time.UnixMicro(d.first)); age > 0 {
			s.OldestDue = age
		}
		out[d.kind] = s
	}
	return out, nil
}
