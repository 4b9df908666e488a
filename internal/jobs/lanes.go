package jobs

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cobrobilling/cobro/internal/store"
)

// hold queues freshly leased jobs and counts them in their lanes.
func (l *loop) hold(jobs []Job) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, j := range jobs {
		for i := range l.held {
			if l.held[i] == nil {
				l.held[i] = map[string]int{}
			}
			l.held[i][j.Lanes[i]]++
		}
		l.waiting = append(l.waiting, claimed{job: j, at: now})
	}
}

// holdLimit is the most jobs of one lane value a loop holds claimed
// within the lane's limit: the limit running, and as many waiting when
// the kind prefetches.
func (l *loop) holdLimit(i int) int {
	if l.k.Prefetch > 0 {
		return 2 * l.k.Lanes.Limits[i]
	}
	return l.k.Lanes.Limits[i]
}

// claimFair leases up to room due jobs, oldest first, of the groups below
// their limits, and returns how many it leased. When it saw every such
// job, the other groups are idle (l.othersIdle).
func (l *loop) claimFair(ctx context.Context, now time.Time, room int) (int, error) {
	window := min(4*room, 128)
	cands, err := l.candidates(ctx, now, window)
	if err != nil {
		return 0, err
	}
	if len(cands) < window {
		l.mu.Lock()
		l.othersIdle = true
		l.mu.Unlock()
	}
	chosen := l.choose(cands, room)
	if len(chosen) == 0 {
		return 0, nil
	}
	jobs, err := lease(ctx, l.r.DB, chosen, l.worker, now, l.k.Lease)
	if err != nil {
		return 0, err
	}
	l.hold(jobs) // another node may have taken some
	return len(jobs), nil
}

// laneColumn is grouping i's value on a job row.
func laneColumn(i int) string {
	return fmt.Sprintf("COALESCE(lane%d, '')", i+1)
}

// candidates reads up to window due, unleased jobs outside the lanes that
// are at their limits, oldest first, with their lane values.
func (l *loop) candidates(ctx context.Context, now time.Time, window int) ([]Job, error) {
	args := []any{l.k.Name, now.UnixMicro()}
	var excl []string
	l.mu.Lock()
	for i := range l.k.Lanes.Limits {
		var full []string
		for v, n := range l.held[i] {
			if n >= l.holdLimit(i) {
				args = append(args, v)
				full = append(full, fmt.Sprintf("$%d", len(args)))
			}
		}
		if len(full) > 0 {
			excl = append(excl, " AND "+laneColumn(i)+" NOT IN ("+strings.Join(full, ", ")+")")
		}
	}
	l.mu.Unlock()
	return store.Collect(ctx, l.r.DB, func(r store.Scanner) (j Job, err error) {
		return j, r.Scan(&j.ID, &j.Lanes[0], &j.Lanes[1])
	}, `SELECT id, `+laneColumn(0)+`, `+laneColumn(1)+` FROM jobs
		WHERE kind = $1 AND run_at <= $2 AND (locked_until IS NULL OR locked_until < $2)`+strings.Join(excl, "")+`
		ORDER BY run_at LIMIT `+fmt.Sprint(window), args...)
}

// choose picks the ids of up to room candidates whose lanes have room to
// hold them.
func (l *loop) choose(cands []Job, room int) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	extra := make([]map[string]int, len(l.held))
	var out []string
	for _, c := range cands {
		if len(out) == room {
			break
		}
		ok := true
		for i := range l.held {
			if v := c.Lanes[i]; l.held[i][v]+extra[i][v] >= l.holdLimit(i) {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		for i := range l.held {
			if extra[i] == nil {
				extra[i] = map[string]int{}
			}
			extra[i][c.Lanes[i]]++
		}
		out = append(out, c.ID)
	}
	return out
}

// lease takes the given jobs for worker unless another worker holds them.
func lease(ctx context.Context, db *store.DB, ids []string, worker string, now time.Time, d time.Duration) ([]Job, error) {
	args := []any{worker, now.Add(d).UnixMicro(), now.UnixMicro()}
	phs := make([]string, len(ids))
	for i, s := range ids {
		args = append(args, s)
		phs[i] = fmt.Sprintf("$%d", len(args))
	}
	return store.Collect(ctx, db, scanJob, `UPDATE jobs SET locked_by = $1, locked_until = $2
		WHERE id IN (`+strings.Join(phs, ", ")+`) AND (locked_until IS NULL OR locked_until < $3)
		RETURNING `+jobColumns, args...)
}
