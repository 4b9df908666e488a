package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
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

// request sends one authenticated API call (a JSON body unless body is
// nil, plus header) and returns the status and the body it answered.
func (b *benchEnv) request(ctx context.Context, method, path string, body []byte, header map[string]string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, b.baseURL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	b.authorize(req)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	return resp.StatusCode, respBody, err
}

// post sends a POST that must answer want and decodes its body into out
// (unless out is nil).
func (b *benchEnv) post(ctx context.Context, path string, body []byte, want int, out any) error {
	status, respBody, err := b.request(ctx, http.MethodPost, path, body, nil)
	if err != nil {
		return err
	}
	if status != want {
		return fmt.Errorf("POST %s: status %d: %.300s", path, status, respBody)
	}
	if out != nil && json.Unmarshal(respBody, out) != nil {
		return fmt.Errorf("POST %s: unexpected body %.300s", path, respBody)
	}
	return nil
}

// windowCPU measures the CPU this process uses between from and until (in
// cores, -1 where the platform cannot tell): it says whether the bench
// process (HTTP client + Cobro) or the database is the bottleneck.
func (b *benchEnv) windowCPU(from, until time.Time) <-chan float64 {
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
		cpu <- float64(c1-c0) / float64(until.Sub(from))
	}()
	return cpu
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
	cpu := b.windowCPU(from, until)
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

// ratioTo is Cobro's rate over the raw ceiling's, "na" without a ceiling.
func ratioTo(perS float64, raw phaseResult) string {
	if raw.perSecond() <= 0 {
		return "na"
	}
	return f3(perS / raw.perSecond())
}

// versusRaw is the figures of an HTTP scenario: the Cobro phase's rate and
// latencies next to the raw ceiling (the caller adds the rest).
func versusRaw(cobro, raw phaseResult) []kv {
	return []kv{{"cobro_per_s", f1(cobro.perSecond())}, {"raw_per_s", f1(raw.perSecond())}, {"ratio", ratioTo(cobro.perSecond(), raw)},
		{"p50_ms", f2(cobro.pct(0.50))}, {"p99_ms", f2(cobro.pct(0.99))}, {"p999_ms", f2(cobro.pct(0.999))}}
}

// inProcess is the figures of an in-process scenario: no raw ceiling.
func inProcess(p phaseResult) []kv {
	return []kv{{"per_s", f1(p.perSecond())}, {"median_ms", f3(p.pct(0.50))}, {"p99_ms", f3(p.pct(0.99))}, {"ratio", "na"},
		{"errors", strconv.Itoa(p.errors)}}
}
