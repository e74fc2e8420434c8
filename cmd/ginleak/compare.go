package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ginleak/ginleak/compare"
	"github.com/ginleak/ginleak/demo"
	"github.com/ginleak/ginleak/htmlreport"
	"github.com/ginleak/ginleak/soak"
)

const compareUsage = `Usage:
  ginleak compare [flags] BEFORE.json AFTER.json
  ginleak compare -baseline DIR [flags] AFTER.json
  ginleak compare [flags] DEMO.json              (from 'ginleak demo -json')
  ginleak compare [flags] DEMO-BEFORE.json DEMO-AFTER.json

Puts two 'ginleak soak --json' reports side by side: throughput, latency
p50/p90/p99/max, error rate, heap bytes per request, goroutines per 1,000
requests, open fds per 1,000 requests, peak RSS and CPU (soak --run) and the
verdict, each with before, after, the change in percent and
whether it got better or worse. A value a report lacks is shown as missing.

A demo report holds a leaky and a fixed soak per case: one demo report gives
each case's table with the leaky route as before and the fixed route as after
(the seed's before/after of the fix); two demo reports compare each case's
fixed route between the two runs.

The reports must be of the same targets and load model (rate or concurrency,
connections); -force compares them anyway.

Gate (exit 1 when any condition is true; the failing rows are marked):
  -fail-if 'throughput<95%,p99>110%'    N% compares AFTER with BEFORE
  -fail-if 'error_rate>1%'              error rate in percent, absolute
  -fail-if 'heap_per_request>64B'       absolute values apply to AFTER
  -fail-if 'goroutines_per_1k>0.5'
  -fail-if 'verdict=leak'               also verdict!=stable
  fields: throughput, p50, p90, p99, max, error_rate, heap_per_request,
  goroutines_per_1k, fds_per_1k, peak_rss, cpu (the last three with
  soak --run), verdict; operators < <= > >= (= != for verdict);
  units: ms/s/us for latency, B/KB/KiB/MB/MiB for heap and RSS.

Baseline (a release gate): -baseline DIR compares AFTER with the best run kept
in DIR for the same target and load model (the highest throughput among runs
that did not leak) and, when AFTER passes, keeps it there. Each run is its own
file, written whole or not at all, so concurrent or interrupted gates never
damage the baseline. With -baseline the default gate is the seed's release
rule, 'throughput<95%,verdict=leak'. The first run of a target has nothing to
compare with: relative conditions are skipped and it is kept if it passes.

-html FILE writes the table and both runs' heap and goroutine charts as one
self-contained page (no script, nothing fetched).

Exit codes: 0 passed (or no gate), 1 a condition is true, 2 unreadable or
mismatched reports, bad flags or conditions.

Flags:
`

func runCompare(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ginleak compare", flag.ContinueOnError)
	var gate compare.Gate
	fs.Func("fail-if", "fail (exit 1) when `COND[,COND...]` is true; repeatable", func(s string) error {
		conds, err := compare.ParseConditions(s)
		if err != nil {
			return err
		}
		gate = append(gate, conds...)
		return nil
	})
	baselineDir := fs.String("baseline", "", "compare with the best run kept in `DIR` and keep AFTER there when it passes")
	keep := fs.Int("keep", compare.DefaultKeep, "with -baseline: how many runs to keep per target (the best is always kept)")
	force := fs.Bool("force", false, "compare reports of different targets or load models")
	htmlFile := fs.String("html", "", "also write the comparison as a self-contained HTML page with charts to `FILE`")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), compareUsage)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if *baselineDir != "" {
		if fs.NArg() != 1 {
			fmt.Fprintf(stderr, "ginleak compare: -baseline takes one report (AFTER.json), got %d arguments\n", fs.NArg())
			return exitUsage
		}
		return compareBaseline(*baselineDir, *keep, fs.Arg(0), gate, *force, *htmlFile, stdout, stderr)
	}
	if code, ok := compareDemo(fs.Args(), gate, *htmlFile, stdout, stderr); ok {
		return code
	}
	if fs.NArg() != 2 {
		fmt.Fprintf(stderr, "ginleak compare: want BEFORE.json AFTER.json (or one 'ginleak demo -json' report), got %d arguments\nRun 'ginleak compare -h' for usage.\n", fs.NArg())
		return exitUsage
	}
	before, err := compare.Load(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "ginleak compare: %v\n", err)
		return exitUsage
	}
	after, err := compare.Load(fs.Arg(1))
	if err != nil {
		fmt.Fprintf(stderr, "ginleak compare: %v\n", err)
		return exitUsage
	}
	var opts []compare.Option
	if *force {
		opts = append(opts, compare.Force())
	}
	table, err := compare.New(before, after, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "ginleak compare: %v\n", err)
		return exitUsage
	}
	failures, err := gate.Check(table)
	if err != nil {
		fmt.Fprintf(stderr, "ginleak compare: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "before: %s\nafter:  %s\ntarget: %s\n\n", fs.Arg(0), fs.Arg(1), strings.Join(after.Targets, ", "))
	if err := table.WriteText(stdout, failures); err != nil {
		return exitUsage
	}
	if code, ok := writeCompareHTML(*htmlFile, table, failures, len(gate) > 0, stderr); !ok {
		return code
	}
	if len(failures) > 0 {
		return exitFindings
	}
	return exitOK
}

func compareBaseline(dir string, keep int, afterPath string, gate compare.Gate, force bool, htmlFile string, stdout, stderr io.Writer) int {
	if force {
		fmt.Fprintln(stderr, "ginleak compare: -force does not apply to -baseline: each target and load model has its own baseline")
		return exitUsage
	}
	if len(gate) == 0 {
		gate, _ = compare.ParseConditions(compare.DefaultBaselineGate)
	}
	after, err := compare.Load(afterPath)
	if err != nil {
		fmt.Fprintf(stderr, "ginleak compare: %v\n", err)
		return exitUsage
	}
	b, err := compare.OpenBaseline(dir, compare.KeepRuns(keep))
	if err != nil {
		fmt.Fprintf(stderr, "ginleak compare: %v\n", err)
		return exitUsage
	}
	j, err := b.Judge(after, gate)
	if err != nil {
		fmt.Fprintf(stderr, "ginleak compare: %v\n", err)
		return exitUsage
	}
	for _, w := range j.Warnings {
		fmt.Fprintf(stderr, "ginleak compare: warning: %s\n", w)
	}
	fmt.Fprintf(stdout, "target: %s\n", strings.Join(after.Targets, ", "))
	if j.Best == nil {
		fmt.Fprintf(stdout, "no baseline yet for this target and load model in %s\n", dir)
		for _, c := range j.Skipped {
			fmt.Fprintf(stdout, "  skipped %s: nothing to compare with\n", c.Text)
		}
		for _, f := range j.Failures {
			fmt.Fprintf(stdout, "  ✗ %s: %s\n", f.Condition.Text, f.Why)
		}
		if htmlFile != "" {
			fmt.Fprintln(stderr, "ginleak compare: no HTML page: the first run of a baseline has nothing to compare with")
		}
	} else {
		fmt.Fprintf(stdout, "before: the best kept run (%.1f req/s)\nafter:  %s\n\n", j.Best.ThroughputRPS, afterPath)
		if err := j.Table.WriteText(stdout, j.Failures); err != nil {
			return exitUsage
		}
		if code, ok := writeCompareHTML(htmlFile, j.Table, j.Failures, true, stderr); !ok {
			return code
		}
	}
	if j.Kept != "" {
		fmt.Fprintf(stdout, "passed: kept as %s\n", j.Kept)
		return exitOK
	}
	fmt.Fprintln(stdout, "refused: not kept in the baseline")
	return exitFindings
}

// writeCompareHTML writes the page when file is set; ok is false (with the
// exit code) when it could not be written.
func writeCompareHTML(file string, t *compare.Table, failures []compare.Failure, gated bool, stderr io.Writer) (code int, ok bool) {
	if file == "" {
		return 0, true
	}
	err := htmlreport.WriteFile(file, func(w io.Writer) error { return htmlreport.Compare(w, t, failures, gated) })
	if err != nil {
		fmt.Fprintf(stderr, "ginleak compare: write HTML: %v\n", err)
		return exitUsage, false
	}
	return 0, true
}

// compareDemo handles demo reports: one (each case's leaky route against its
// fixed route) or two (each case's fixed route, before against after). ok
// is false when the arguments are not demo reports.
func compareDemo(args []string, gate compare.Gate, htmlFile string, stdout, stderr io.Writer) (code int, ok bool) {
	if len(args) != 1 && len(args) != 2 {
		return 0, false
	}
	var reps []*demo.Report
	for _, a := range args {
		rep, err := demo.ReadReport(a)
		if errors.Is(err, demo.ErrNotDemoReport) {
			if len(reps) > 0 {
				fmt.Fprintf(stderr, "ginleak compare: %s is a demo report and %s is not: compare two of a kind\n", args[0], a)
				return exitUsage, true
			}
			return 0, false
		}
		if err != nil {
			fmt.Fprintf(stderr, "ginleak compare: %v\n", err)
			return exitUsage, true
		}
		reps = append(reps, rep)
	}
	if htmlFile != "" {
		fmt.Fprintln(stderr, "ginleak compare: -html takes soak reports; for a demo, use 'ginleak demo -html'")
		return exitUsage, true
	}
	type pair struct {
		name, title   string
		before, after *soak.Report
	}
	var pairs []pair
	if len(reps) == 1 {
		for _, c := range reps[0].Cases {
			if c.Leaky != nil && c.Fixed != nil {
				pairs = append(pairs, pair{c.Name, c.Title + " — leaky route before, fixed route after", c.Leaky, c.Fixed})
			}
		}
	} else {
		after := map[string]demo.ReportCase{}
		for _, c := range reps[1].Cases {
			after[c.Name] = c
		}
		for _, c := range reps[0].Cases {
			if a, ok := after[c.Name]; ok && c.Fixed != nil && a.Fixed != nil {
				pairs = append(pairs, pair{c.Name, c.Title + " — fixed route, first run before, second after", c.Fixed, a.Fixed})
			}
		}
	}
	if len(pairs) == 0 {
		fmt.Fprintln(stderr, "ginleak compare: the demo report has no soaked case to compare")
		return exitUsage, true
	}
	code = exitOK
	for _, p := range pairs {
		t, err := compare.New(p.before, p.after, compare.Force()) // two routes by design
		if err == nil {
			var failures []compare.Failure
			if failures, err = gate.Check(t); err == nil {
				fmt.Fprintf(stdout, "== %s: %s\n", p.name, p.title)
				err = t.WriteText(stdout, failures)
				if len(failures) > 0 {
					code = exitFindings
				}
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "ginleak compare: case %s: %v\n", p.name, err)
			return exitUsage, true
		}
	}
	return code, true
}
