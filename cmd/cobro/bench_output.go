package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
)

// writeBenchJSON writes the summary pairs as one JSON object: numbers
// where a value parses as one, strings otherwise (docs/operations.md#4-benchmarks).
func writeBenchJSON(path string, pairs []kv) error {
	obj := make(map[string]any, len(pairs))
	for _, p := range pairs {
		if _, err := strconv.ParseFloat(p.v, 64); err == nil {
			obj[p.k] = json.Number(p.v)
		} else {
			obj[p.k] = p.v
		}
	}
	data, err := json.MarshalIndent(obj, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write --json: %w", err)
	}
	return nil
}

// startCPUProfile starts a CPU profile into path ("" = none) and returns
// what stops it.
func startCPUProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
