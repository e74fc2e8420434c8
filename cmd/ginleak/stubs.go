package main

import (
	"context"
	"fmt"
	"io"
)

func runSoak(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "ginleak soak: not built yet")
	return exitUsage
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "ginleak demo: not built yet")
	return exitUsage
}
