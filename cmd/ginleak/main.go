// Command ginleak finds, proves and localises memory and goroutine leaks in
// Gin and net/http services.
//
//	ginleak vet   [flags] [packages]   static analysis: the leak patterns in code
//	ginleak soak  [flags] TARGET...    load + live heap/goroutine sampling: is it leaking?
//	ginleak demo  [flags]              both, on the bundled leakyshop example
//	ginleak compare BEFORE AFTER       two soak reports side by side, a release gate
//	ginleak fault [flags]              a chaos proxy in front of a dependency
//	ginleak watch [flags]              which instances of a fleet leak, from Prometheus
//	ginleak version                    the version, from build info
//
// The command is thin: it parses flags, calls the vet and soak packages and
// maps their results to exit codes.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes shared by the subcommands. soak adds exitInconclusive.
const (
	exitOK           = 0 // vet: no findings; soak: stable
	exitFindings     = 1 // vet: findings; soak: leak; demo: a case was not caught
	exitUsage        = 2 // bad flags, packages that do not load, unreachable target
	exitInconclusive = 3 // soak: growth that slows down, run longer
)

const usage = `ginleak finds memory and goroutine leaks in Gin and net/http services.

Usage:
  ginleak vet  [flags] [packages]   report leak patterns in code (default ./...)
  ginleak soak [flags] TARGET...    load a running service and decide LEAK or STABLE
  ginleak demo [flags]              run vet and soak on the bundled leakyshop example
  ginleak compare BEFORE AFTER      two soak reports side by side; a release gate
  ginleak fault [flags]             a TCP proxy that makes a dependency slow, flaky or gone
  ginleak watch [flags]             which instances of a fleet leak, from its Prometheus
  ginleak version                   print the version

Run 'ginleak <command> -h' for the flags of a command.

Exit codes: 0 clean/stable, 1 findings/leak, 2 usage or load error,
3 inconclusive (soak: run longer).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "vet":
		return runVet(ctx, rest, stdout, stderr)
	case "soak":
		return runSoak(ctx, rest, stdout, stderr)
	case "demo":
		return runDemo(ctx, rest, stdout, stderr)
	case "compare":
		return runCompare(ctx, rest, stdout, stderr)
	case "fault":
		return runFault(ctx, rest, stdout, stderr)
	case "watch":
		return runWatch(ctx, rest, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, versionString())
		return exitOK
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			return run(ctx, []string{rest[0], "-h"}, stdout, stderr)
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "ginleak: unknown command %q\n\n%s", cmd, usage)
		return exitUsage
	}
}

// parseFlags parses args with fs and turns -h and bad flags into an exit
// code; ok is false when the command must stop. Usage goes to stdout once
// for -h; a bad flag prints its error and where to find the usage.
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	var discard bytes.Buffer
	fs.SetOutput(&discard) // the flag package prints usage on errors; we say it shorter
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return exitOK, false
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v\nRun '%s -h' for usage.\n", fs.Name(), err, fs.Name())
		return exitUsage, false
	}
	fs.SetOutput(stderr)
	return 0, true
}
