package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cobrobilling/cobro/internal/clock"
	"github.com/cobrobilling/cobro/internal/id"
	"github.com/cobrobilling/cobro/internal/store"
)

// Kind is one kind of background work: what handles its jobs and how many
// run at once.
type Kind struct {
	Name string
	// Handle does one job. It completes or reschedules the job itself,
	// normally in the transaction of its work; an error leaves the job to
	// run again after RetryAfter.
	Handle func(ctx context.Context, j Job) error
	// Concurrency is how many jobs of the kind run at once (default 1).
	Concurrency int
	// Prefetch is how many more jobs than Concurrency a node may hold
	// claimed, waiting for a slot, so that a finished job's slot refills
	// without a round trip (default 0). Only for kinds whose jobs finish
	// well within their lease: a job waiting past half its lease is handed
	// back unstarted.
	Prefetch int
	// Lease is how long a claimed job stays this node's (default 1 min):
	// a node that dies mid-job hands it over when the lease ends.
	Lease time.Duration
	// RetryAfter is the delay after a handler error (default 1 min);
	// Backoff, when set, decides it from the error instead.
	RetryAfter time.Duration
	Backoff    func(err error) time.Duration
	// Poll is the idle wait between queue scans (default 1 s); Wake cuts
	// it short.
	Poll time.Duration
	// Lanes, when set, limit the jobs in flight per group (webhook
	// deliveries per workspace and per endpoint) so that one group's slow
	// jobs cannot take every slot.
	Lanes *Lanes
}

// Lanes group the jobs of a kind: every job carries its value of each
// grouping, stored on its row when enqueued (EnqueueInLanes, Job.Lanes),
// so that a claim reads them without a join.
type Lanes struct {
	// Limits[i] is the most jobs of one value of grouping i (Job.Lanes[i])
	// in flight at once while other groups have work; at most MaxLanes.
	Limits []int
	// Reserve, when positive, makes the lanes work-conserving: a group
	// alone with due work may use the slots the others leave idle, beyond
	// its limits, as long as Reserve slots stay free so that a newcomer
	// starts at once; as the newcomer's jobs take the freed slots, the
	// group falls back to its limits. Zero keeps the limits strict.
	Reserve int
}

func (k *Kind) defaults() {
	if k.Concurrency <= 0 {
		k.Concurrency = 1
	}
	if k.Lease <= 0 {
		k.Lease = time.Minute
	}
	if k.RetryAfter <= 0 {
		k.RetryAfter = time.Minute
	}
	if k.Poll <= 0 {
		k.Poll = time.Second
	}
	if k.Lanes != nil && len(k.Lanes.Limits) > MaxLanes {
		panic(fmt.Sprintf("jobs: kind %s has %d lanes; at most %d", k.Name, len(k.Lanes.Limits), MaxLanes))
	}
}

// Runner runs the background work of every kind given to Add: it claims
// due jobs as slots free up, leases them, runs their handlers, retries
// failures, and on stop hands back what it had not started.
type Runner struct {
	DB     *store.DB
	Clock  clock.Clock
	Logger *slog.Logger
	// Grace is how long Run waits, once stopped, for the jobs in flight
	// (default 15 s); jobs still running then are cancelled and handed back.
	Grace time.Duration

	mu    sync.Mutex
	kinds map[string]*loop
	order []string
}

// Add registers a kind; call before Run.
func (r *Runner) Add(k Kind) {
	k.defaults()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.kinds == nil {
		r.kinds = map[string]*loop{}
	}
	n := 0
	if k.Lanes != nil {
		n = len(k.Lanes.Limits)
	}
	r.kinds[k.Name] = &loop{r: r, k: k, worker: id.New("wkr"), wake: make(chan struct{}, 1), freed: make(chan struct{}, 1),
		held: make([]map[string]int, n), active: make([]map[string]int, n)}
	r.order = append(r.order, k.Name)
}

// Kinds lists the registered kinds.
func (r *Runner) Kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.order...)
}

// Wake makes the kind's idle loop look for jobs now (after a commit that
// queued some). Unknown kinds and a runner not running are fine.
func (r *Runner) Wake(kind string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	l := r.kinds[kind]
	r.mu.Unlock()
	if l != nil {
		signal(l.wake)
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

func (r *Runner) clock() clock.Clock {
	if r.Clock == nil {
		return clock.System{}
	}
	return r.Clock
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// Run works every kind until ctx ends, then waits up to Grace for the jobs
// in flight.
func (r *Runner) Run(ctx context.Context) {
	r.mu.Lock()
	loops := make([]*loop, 0, len(r.order))
	for _, name := range r.order {
		loops = append(loops, r.kinds[name])
	}
	r.mu.Unlock()
	var wg sync.WaitGroup
	for _, l := range loops {
		wg.Go(func() { l.run(ctx) })
	}
	wg.Wait()
}

// RunOnce claims the jobs of kind due now, runs them (Concurrency at a
// time, lanes respected) and returns how many it ran. Tests and the
// benchmarks drive the queue with it.
func (r *Runner) RunOnce(ctx context.Context, kind string) (int, error) {
	r.mu.Lock()
	l := r.kinds[kind]
	r.mu.Unlock()
	if l == nil {
		return 0, fmt.Errorf("jobs: unknown kind %q", kind)
	}
	return l.drain(ctx)
}

// loop is one kind's claim-and-run loop.
type loop struct {
	r      *Runner
	k      Kind
	worker string
	wake   chan struct{}
	freed  chan struct{} // a running job finished

	mu       sync.Mutex
	inflight int
	waiting  []claimed        // claimed, waiting for a slot (Prefetch)
	held     []map[string]int // per lane: value → jobs claimed (running or waiting)
	active   []map[string]int // per lane: value → jobs running
	// othersIdle: the last fair claim saw every due job outside the groups
	// at their limits, so the next claims may lend idle slots to those
	// groups (Lanes.Reserve) without looking again; a wake or a poll
	// looks again.
	othersIdle bool
	firstErr   error
}

// claimed is a leased job.
type claimed struct {
	job Job
	at  time.Time // when it was leased
}

func (l *loop) run(ctx context.Context) {
	runCtx, hardStop := context.WithCancel(context.WithoutCancel(ctx))
	defer hardStop()
	var wg sync.WaitGroup
	fresh := true // woken or polled: new work may be due
	for ctx.Err() == nil {
		l.dispatch(runCtx, &wg)
		if l.worthClaim(fresh) {
			if err := l.claim(ctx, fresh); err != nil && ctx.Err() == nil {
				l.r.logger().Warn("job queue", "kind", l.k.Name, "error", err.Error())
			}
			l.dispatch(runCtx, &wg)
		}
		// Claim again when a slot frees up, a commit queued work, or at the
		// next poll: a claim that filled less than the room it had found
		// nothing else it could take now.
		fresh = false
		select {
		case <-ctx.Done():
		case <-l.wake:
			fresh = true
		case <-l.freed:
		case <-time.After(l.k.Poll):
			fresh = true
		}
	}
	l.handBack()
	l.stop(&wg, hardStop)
}

// stop waits for the jobs in flight, up to the runner's grace period, then
// cancels them; their handlers' errors hand the jobs back (released).
func (l *loop) stop(wg *sync.WaitGroup, hardStop context.CancelFunc) {
	grace := l.r.Grace
	if grace <= 0 {
		grace = 15 * time.Second
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		hardStop()
		<-done
	}
}

// handBack releases the claimed jobs that have not started.
func (l *loop) handBack() {
	l.mu.Lock()
	waiting := l.waiting
	l.waiting = nil
	for _, c := range waiting {
		l.unhold(c)
	}
	l.mu.Unlock()
	for _, c := range waiting {
		_ = Release(context.Background(), l.r.DB, c.job.ID, l.worker)
	}
}

// drain runs every job due now and waits for them.
func (l *loop) drain(ctx context.Context) (int, error) {
	var wg sync.WaitGroup
	total := 0
	l.mu.Lock()
	l.firstErr = nil
	l.mu.Unlock()
	fresh := true
	for {
		total += l.dispatch(ctx, &wg)
		if l.worthClaim(fresh) {
			if err := l.claim(ctx, fresh); err != nil {
				l.handBack()
				wg.Wait()
				return total, err
			}
			total += l.dispatch(ctx, &wg)
		}
		fresh = false
		if l.idle() {
			break
		}
		select { // a slot or a lane frees up
		case <-l.freed:
		case <-ctx.Done():
			l.handBack()
			wg.Wait()
			return total, ctx.Err()
		}
	}
	wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return total, l.firstErr
}

// worthClaim: a claim (a write) is worth its round trip. Woken, polled or
// idle, any room is; while jobs are running or waiting, a kind that
// prefetches refills its slots from the jobs it holds and claims again
// once a quarter of them are used beyond the lanes' reserve, so that one
// claim leases several jobs.
func (l *loop) worthClaim(fresh bool) bool {
	room := l.room()
	if fresh || l.idle() {
		return room > 0
	}
	return room-l.reserve() >= max(1, l.k.Prefetch/4)
}

// reserve is how many slots lent-out lanes leave free (Lanes.Reserve).
func (l *loop) reserve() int {
	if l.k.Lanes == nil {
		return 0
	}
	return max(0, l.k.Lanes.Reserve)
}

// room is how many more jobs the loop may claim.
func (l *loop) room() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.k.Concurrency + l.k.Prefetch - l.inflight - len(l.waiting)
}

func (l *loop) idle() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.inflight == 0 && len(l.waiting) == 0
}

// dispatch starts the waiting jobs that have a slot, oldest claim first:
// those with room in their lanes, then (work-conserving lanes) those over
// their limits while Reserve slots stay free. One waiting past half its
// lease is handed back instead (another node may take it soon). It
// returns how many started.
func (l *loop) dispatch(ctx context.Context, wg *sync.WaitGroup) int {
	now := time.Now()
	var start, stale []claimed
	l.mu.Lock()
	keep := l.waiting[:0]
	for _, c := range l.waiting {
		switch {
		case now.Sub(c.at) > l.k.Lease/2:
			l.unhold(c)
			stale = append(stale, c)
		case l.inflight < l.k.Concurrency && l.laneFree(c):
			l.begin(c)
			start = append(start, c)
		default:
			keep = append(keep, c)
		}
	}
	l.waiting = keep
	if r := l.reserve(); r > 0 {
		keep = l.waiting[:0]
		for _, c := range l.waiting {
			if l.inflight < l.k.Concurrency-r {
				l.begin(c)
				start = append(start, c)
			} else {
				keep = append(keep, c)
			}
		}
		l.waiting = keep
	}
	l.mu.Unlock()
	for _, c := range stale {
		_ = Release(context.WithoutCancel(ctx), l.r.DB, c.job.ID, l.worker)
	}
	for _, c := range start {
		l.start(ctx, wg, c)
	}
	return len(start)
}

// begin counts c as running (l.mu held).
func (l *loop) begin(c claimed) {
	l.inflight++
	for i := range l.active {
		v := c.job.Lanes[i]
		if l.active[i] == nil {
			l.active[i] = map[string]int{}
		}
		l.active[i][v]++
	}
}

// laneFree: every lane of c runs fewer than its limit (l.mu held).
func (l *loop) laneFree(c claimed) bool {
	for i := range l.active {
		if l.active[i][c.job.Lanes[i]] >= l.k.Lanes.Limits[i] {
			return false
		}
	}
	return true
}

func (l *loop) start(ctx context.Context, wg *sync.WaitGroup, c claimed) {
	wg.Go(func() {
		defer l.finish(c)
		err := l.k.Handle(ctx, c.job)
		if err == nil {
			return
		}
		bg := context.WithoutCancel(ctx)
		if ctx.Err() != nil { // stopped mid-job: hand it back now
			_ = Release(bg, l.r.DB, c.job.ID, l.worker)
			return
		}
		l.r.logger().Warn("job failed", "kind", l.k.Name, "job", c.job.ID, "error", err.Error())
		l.mu.Lock()
		if l.firstErr == nil {
			l.firstErr = err
		}
		l.mu.Unlock()
		delay := l.k.RetryAfter
		if l.k.Backoff != nil {
			delay = l.k.Backoff(err)
		}
		_ = Retry(bg, l.r.DB, c.job.ID, l.r.clock().Now().Add(delay))
	})
}

func (l *loop) finish(c claimed) {
	l.mu.Lock()
	l.inflight--
	for i := range l.active {
		v := c.job.Lanes[i]
		if l.active[i][v]--; l.active[i][v] <= 0 {
			delete(l.active[i], v)
		}
	}
	l.unhold(c)
	l.mu.Unlock()
	signal(l.freed)
}

// unhold forgets a claimed job in the lanes' counts (l.mu held).
func (l *loop) unhold(c claimed) {
	for i := range l.held {
		v := c.job.Lanes[i]
		if l.held[i][v]--; l.held[i][v] <= 0 {
			delete(l.held[i], v)
		}
	}
}

// claim leases due jobs up to the room the loop has, respecting the
// lanes, and queues them for dispatch. fresh (woken or polled) looks
// again for other groups' work before lending idle slots.
func (l *loop) claim(ctx context.Context, fresh bool) error {
	now := l.r.clock().Now()
	room := l.room()
	if l.k.Lanes == nil {
		jobs, err := Claim(ctx, l.r.DB, l.k.Name, l.worker, now, l.k.Lease, room)
		l.hold(jobs)
		return err
	}
	l.mu.Lock()
	if fresh {
		l.othersIdle = false
	}
	othersIdle := l.othersIdle
	l.mu.Unlock()
	if !othersIdle {
		n, err := l.claimFair(ctx, now, room)
		if err != nil {
			return err
		}
		room -= n
	}
	l.mu.Lock()
	othersIdle = l.othersIdle
	l.mu.Unlock()
	if lend := room - l.reserve(); othersIdle && l.reserve() > 0 && lend > 0 {
		// Only the groups at their limits have due work: lend them the
		// idle slots but the reserve, in one statement, oldest first.
		jobs, err := Claim(ctx, l.r.DB, l.k.Name, l.worker, now, l.k.Lease, lend)
		l.hold(jobs)
		return err
	}
	return nil
}

// Release hands a job this worker leased back to the queue at once.
func Release(ctx context.Context, q store.Querier, jobID, worker string) error {
	_, err := q.ExecContext(ctx, `UPDATE jobs SET locked_by = NULL, locked_until = NULL WHERE id = $1 AND locked_by = $2`, jobID, worker)
	return err
}

// RunOnce runs the jobs of one kind due now with a runner of its own and
// returns how many it ran (tests and benchmarks drive the queue with it).
func RunOnce(ctx context.Context, db *store.DB, clk clock.Clock, log *slog.Logger, k Kind) (int, error) {
	r := &Runner{DB: db, Clock: clk, Logger: log}
	r.Add(k)
	return r.RunOnce(ctx, k.Name)
}
