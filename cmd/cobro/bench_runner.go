package main

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"text/tabwriter"
	"time"
)

// phaseResult is one measured phase: N workers looping on one operation.
type phaseResult struct {
	name     string
	ops      int             // successful operations completed inside the measured window
	errors   int             // failed operations, warmup included
	firstErr error           // the first failure, for the message
	window   time.Duration   // the measured window
	lat      []time.Duration // latencies of the counted operations, sorted
	cpu      float64         // cores this process used in the window (client and server); <0 unknown
}

func (p phaseResult) perSecond() float64 {
	if p.window <= 0 {
		return 0
	}
	return float64(p.ops) / p.window.Seconds()
}

// pct is the nearest-rank percentile (q in 0..1) in milliseconds.
func (p phaseResult) pct(q float64) float64 {
	n := len(p.lat)
	if n == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(n))) - 1
	i = max(0, min(i, n-1))
	return float64(p.lat[i]) / float64(time.Millisecond)
}

// runPhase runs op from b.clients goroutines for warmup + duration. An
// operation counts (ops, latency) when it succeeds and completes inside the
// measured window; every failure counts as an error. No operation starts
// after the window ends.
func (b *benchEnv) runPhase(name string, op func(ctx context.Context, worker int) error) phaseResult {
	fmt.Fprintf(b.progress, "cobro bench: %s (warmup %s, measure %s)…\n", name, b.warmup, b.duration)
	start := time.Now()
	from := start.Add(b.warmup)
	until := from.Add(b.duration)
	lats := make([][]time.Duration, b.clients)
	errs := make([]int, b.clients)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	// CPU used by this process in the window: tells whether the bench
	// process (HTTP client + Cobro) or the database is the bottleneck.
	cpu := make(chan float64, 1)
	go func() {
		time.Sleep(time.Until(from))
		c0, ok0 := processCPU()
		time.Sleep(time.Until(until))
		c1, ok1 := processCPU()
		if !ok0 || !ok1 {
			cpu <- -1
			return
		}
		cpu <- float64(c1-c0) / float64(b.duration)
	}()
	for w := range b.clients {
		wg.Go(func() {
			my := make([]time.Duration, 0, 1024)
			for b.ctx.Err() == nil {
				t0 := time.Now()
				if !t0.Before(until) {
					break
				}
				err := op(b.ctx, w)
				t1 := time.Now()
				if err != nil {
					errs[w]++
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					continue
				}
				if !t1.Before(from) && !t1.After(until) {
					my = append(my, t1.Sub(t0))
				}
			}
			lats[w] = my
		})
	}
	wg.Wait()
	r := phaseResult{name: name, window: b.duration, firstErr: firstErr, lat: slices.Concat(lats...), cpu: -1}
	if b.ctx.Err() == nil {
		r.cpu = <-cpu
	}
	for _, n := range errs {
		r.errors += n
	}
	r.ops = len(r.lat)
	slices.Sort(r.lat)
	return r
}

// printPhases writes the human-readable rows.
func (b *benchEnv) printPhases(phases ...phaseResult) {
	tw := tabwriter.NewWriter(b.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase         \tops\tops/s\tp50_ms\tp99_ms\tp999_ms\terrors\tbench_cpu\t")
	for _, p := range phases {
		cpu := "na"
		if p.cpu >= 0 {
			cpu = f2(p.cpu)
		}
		fmt.Fprintf(tw, "%-14s\t%d\t%s\t%s\t%s\t%s\t%d\t%s\t\n", p.name, p.ops, f1(p.perSecond()),
			f2(p.pct(0.50)), f2(p.pct(0.99)), f2(p.pct(0.999)), p.errors, cpu)
	}
	who := "HTTP client and Cobro together"
	if b.db == nil {
		who = "in-process scenario"
	}
	fmt.Fprintf(tw, "(bench_cpu: cores used by this process, %s, of %d)\n", who, runtime.NumCPU())
	_ = tw.Flush()
	for _, p := range phases {
		if p.firstErr != nil {
			fmt.Fprintf(b.out, "%s: %d errors, first: %v\n", p.name, p.errors, p.firstErr)
		}
	}
}

func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
func f2(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
func f3(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
