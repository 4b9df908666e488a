package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cobrobilling/cobro/internal/apitest"
	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/jobs"
	"github.com/cobrobilling/cobro/internal/store"
)

func eachDB(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			fn(t, apitest.OpenDB(t, dialect))
		})
	}
}

func enqueue(t *testing.T, db *store.DB, kind, key string, at time.Time) {
	t.Helper()
	if err := jobs.Enqueue(context.Background(), db, kind, key, map[string]string{}, at, at); err != nil {
		t.Fatal(err)
	}
}

// enqueueInLane queues a job whose one lane is the first letter of its key.
func enqueueInLane(t *testing.T, db *store.DB, kind, key string, at time.Time) {
	t.Helper()
	if err := jobs.EnqueueInLanes(context.Background(), db, kind, key, [jobs.MaxLanes]string{key[:1]}, map[string]string{}, at, at); err != nil {
		t.Fatal(err)
	}
}

// A lane at its limit does not hold the other lanes' jobs back: with a
// group's jobs all stuck, a later job of another group still runs, and
// the stuck group never has more than its limit in flight.
func TestRunnerLanes(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)
		for i := range 10 {
			enqueueInLane(t, db, "lanes", fmt.Sprintf("a:%02d", i), now.Add(time.Duration(i)*time.Millisecond))
		}
		enqueueInLane(t, db, "lanes", "b:00", now.Add(time.Second))

		release := make(chan struct{})
		bRan := make(chan struct{})
		var mu sync.Mutex
		inA, maxA := 0, 0
		handle := func(ctx context.Context, j jobs.Job) error {
			if j.Key[0] == 'b' {
				close(bRan)
				return jobs.Complete(ctx, db, j.ID)
			}
			mu.Lock()
			inA++
			maxA = max(maxA, inA)
			mu.Unlock()
			<-release
			mu.Lock()
			inA--
			mu.Unlock()
			return jobs.Complete(context.WithoutCancel(ctx), db, j.ID)
		}
		r := &jobs.Runner{DB: db, Clock: clock.NewFake(now.Add(time.Minute))}
		r.Add(jobs.Kind{Name: "lanes", Handle: handle, Concurrency: 8, Poll: 20 * time.Millisecond,
			Lanes: &jobs.Lanes{Limits: []int{2}}})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); r.Run(ctx) }()
		select {
		case <-bRan:
		case <-time.After(30 * time.Second):
			t.Error("the other lane's job never ran")
		}
		close(release)
		// the stuck lane drains, two at a time
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			var n int
			if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM jobs WHERE kind = 'lanes'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
		if maxA > 2 {
			t.Errorf("%d of one lane's jobs ran at once; limit 2", maxA)
		}
		var left int
		_ = db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM jobs WHERE kind = 'lanes'`).Scan(&left)
		if left != 0 {
			t.Errorf("%d jobs left", left)
		}
	})
}

// Work-conserving lanes (Reserve): a group alone with due work runs
// beyond its limit in the slots nobody else needs, all but the reserve;
// a newcomer's job then starts at once in the reserve while the first
// group's jobs are still stuck.
func TestRunnerLanesLendIdleSlots(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		const concurrency, limit, reserve = 8, 2, 2
		now := time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)
		for i := range 10 {
			enqueueInLane(t, db, "lend", fmt.Sprintf("a:%02d", i), now.Add(time.Duration(i)*time.Millisecond))
		}
		release := make(chan struct{})
		bRan := make(chan struct{})
		lent := make(chan struct{}) // closed when concurrency-reserve of A run at once
		var mu sync.Mutex
		inA, maxA := 0, 0
		handle := func(ctx context.Context, j jobs.Job) error {
			if j.Key[0] == 'b' {
				close(bRan)
				return jobs.Complete(ctx, db, j.ID)
			}
			mu.Lock()
			inA++
			if maxA = max(maxA, inA); inA == concurrency-reserve {
				close(lent)
			}
			mu.Unlock()
			<-release
			mu.Lock()
			inA--
			mu.Unlock()
			return jobs.Complete(context.WithoutCancel(ctx), db, j.ID)
		}
		r := &jobs.Runner{DB: db, Clock: clock.NewFake(now.Add(time.Minute))}
		r.Add(jobs.Kind{Name: "lend", Handle: handle, Concurrency: concurrency, Poll: 20 * time.Millisecond,
			Lanes: &jobs.Lanes{Limits: []int{limit}, Reserve: reserve}})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); r.Run(ctx) }()
		defer func() { cancel(); <-done }()
		select {
		case <-lent:
		case <-time.After(30 * time.Second):
			close(release)
			t.Fatalf("the lone group never ran %d at once (limit %d, reserve %d)", concurrency-reserve, limit, reserve)
		}
		enqueueInLane(t, db, "lend", "b:00", now.Add(time.Second))
		r.Wake("lend")
		select {
		case <-bRan:
		case <-time.After(30 * time.Second):
			t.Error("the newcomer's job did not start in the reserve")
		}
		close(release)
		deadline := time.Now().Add(30 * time.Second)
		left := -1
		for left != 0 && time.Now().Before(deadline) {
			if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM jobs WHERE kind = 'lend'`).Scan(&left); err != nil {
				t.Fatal(err)
			}
			time.Sleep(10 * time.Millisecond)
		}
		if left != 0 {
			t.Errorf("%d jobs left", left)
		}
		mu.Lock()
		defer mu.Unlock()
		if maxA > concurrency-reserve {
			t.Errorf("%d of the lone group's jobs ran at once; want at most %d (the reserve stays free)", maxA, concurrency-reserve)
		}
	})
}

// Stopping the runner hands unfinished jobs back at once: the one cut off
// after the grace period and the one claimed ahead (Prefetch) but never
// started are unlocked and still queued, for another node to take now
// (not when a lease ends).
func TestRunnerStopHandsBack(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)
		enqueue(t, db, "stop", "one", now)
		enqueue(t, db, "stop", "two", now.Add(time.Millisecond))
		started := make(chan struct{})
		var once sync.Once
		r := &jobs.Runner{DB: db, Clock: clock.NewFake(now.Add(time.Minute)), Grace: 50 * time.Millisecond}
		r.Add(jobs.Kind{Name: "stop", Lease: time.Hour, Prefetch: 1, Handle: func(ctx context.Context, j jobs.Job) error {
			once.Do(func() { close(started) })
			<-ctx.Done() // longer than the grace period
			return ctx.Err()
		}})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); r.Run(ctx) }()
		<-started
		cancel()
		<-done
		var queued, locked int
		if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*), COUNT(locked_by) FROM jobs WHERE kind = 'stop'`).Scan(&queued, &locked); err != nil {
			t.Fatal(err)
		}
		if queued != 2 || locked != 0 {
			t.Errorf("after the stop: %d queued, %d still leased; want 2 and 0", queued, locked)
		}
	})
}

// A handler's error reschedules its job RetryAfter later, unleased; a job
// not yet due is left alone.
func TestRunnerRetriesFailures(t *testing.T) {
	eachDB(t, func(t *testing.T, db *store.DB) {
		now := time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC)
		enqueue(t, db, "fail", "due", now)
		enqueue(t, db, "fail", "later", now.Add(time.Hour))
		calls := 0
		k := jobs.Kind{Name: "fail", RetryAfter: 10 * time.Minute, Handle: func(context.Context, jobs.Job) error {
			calls++
			return errors.New("receiver down")
		}}
		n, err := jobs.RunOnce(context.Background(), db, clock.NewFake(now), nil, k)
		if n != 1 || calls != 1 || err == nil {
			t.Fatalf("RunOnce ran %d (%d calls), error %v", n, calls, err)
		}
		var runAt int64
		var lockedBy *string
		if err := db.QueryRowContext(context.Background(), `SELECT run_at, locked_by FROM jobs WHERE unique_key = 'due'`).Scan(&runAt, &lockedBy); err != nil {
			t.Fatal(err)
		}
		if got := time.UnixMicro(runAt).UTC(); !got.Equal(now.Add(10*time.Minute)) || lockedBy != nil {
			t.Errorf("retried job: run_at %v locked_by %v; want %v, unleased", got, lockedBy, now.Add(10*time.Minute))
		}
		if n, _ := jobs.RunOnce(context.Background(), db, clock.NewFake(now.Add(time.Minute)), nil, k); n != 0 {
			t.Errorf("ran %d before the retry was due", n)
		}
	})
}
