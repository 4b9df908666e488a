package main

import "fmt"

func (e *env) bench(args []string) int {
	fmt.Fprintln(e.stderr, "cobro bench: not yet built")
	return exitFailure
}
