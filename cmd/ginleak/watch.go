package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ginleak/ginleak/htmlreport"
	"github.com/ginleak/ginleak/soak/stats"
	"github.com/ginleak/ginleak/watch"
)

const watchUsage = `Usage:
  ginleak watch [flags]

Finds the leaking instances of a fleet from the Prometheus that scrapes
them: for every instance the selector matches, it reads the live heap,
goroutines, open files and RSS over the window, with the request counter as
x, and decides per signal with soak's statistics whether they grow per
request, steadily, beyond a floor. One range query per signal for the whole
selector. Restarts (a counter reset, a new process_start_time_seconds) split
an instance's series; the verdict uses the longest run. Thanos Query, Mimir
and VictoriaMetrics answer the same API: point --prometheus at it
(--allow-remote, --header for a tenant or a token). See docs/watch.md.

  ginleak watch --prometheus http://127.0.0.1:9090 --selector '{job="api"}' --window 6h

Exit codes: 0 no instance leaks, 1 an instance leaks, 2 errors (Prometheus
unreachable, bad selector, no series matched), 3 none leaks but some could
not be decided (too little data or growth that is not steady).

Flags:
`

// runWatch is ginleak watch.
func runWatch(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ginleak watch", flag.ContinueOnError)
	address := fs.String("prometheus", "http://127.0.0.1:9090", "base `URL` of Prometheus (or Thanos Query, Mimir's Prometheus API, VictoriaMetrics)")
	selector := fs.String("selector", "", "label matchers in braces choosing the instances, e.g. '{job=\"api\"}' (default: all)")
	window := fs.Duration("window", watch.DefaultWindow, "how far back from now to read")
	end := fs.String("end", "", "end of the window: RFC 3339 time or Unix seconds (default now), for a look back at an incident")
	step := fs.Duration("step", 0, "resolution of the range queries (default: window/240, at least 30s)")
	requests := fs.String("requests-metric", "", "request `COUNTER`, summed per instance (default "+watch.DefaultRequestsMetric+", else "+watch.FallbackRequestsMetric+"); 'none' measures growth per hour")
	memLimit := fs.String("memory-limit", "", "project heap leaks to this `SIZE` (512MiB, 2GiB, bytes); default: container_spec_memory_limit_bytes when present")
	allowRemote := fs.Bool("allow-remote", false, "allow a Prometheus (and, with -pprof-token, instances) that is not on this machine")
	pprofToken := fs.String("pprof-token", "", "name the growing sites of the leaking instances from their pprof (guard.Pprof at INSTANCE/debug/pprof, this bearer `TOKEN`): two readings -profile-delay apart")
	profileDelay := fs.Duration("profile-delay", watch.DefaultProfileDelay, "with -pprof-token: time between the two pprof readings")
	maxProfiles := fs.Int("max-profiles", watch.DefaultMaxProfiles, "with -pprof-token: profile at most `N` leaking instances")
	htmlFile := fs.String("html", "", "also write the report as a self-contained HTML page to `FILE`")
	jsonFile := fs.String("json", "", "also write the report as JSON to `FILE` (- for stdout instead of the table), written whole or not at all")
	points := fs.Int("points", watch.DefaultPoints, "most points per signal the statistics see (medians of consecutive steps)")
	timeout := fs.Duration("timeout", watch.DefaultQueryTimeout, "bound of each query")
	heapFloor := fs.Float64("heap-floor", watch.DefaultHeapFloor, "heap growth floor, bytes per request")
	gorFloor := fs.Float64("goroutine-floor", watch.DefaultGoroutineFloor, "goroutine growth floor, per request")
	var headers []string
	fs.Func("header", "add `'NAME: VALUE'` to every request (repeatable), e.g. 'X-Scope-OrgID: tenant'", func(s string) error {
		name, value, ok := strings.Cut(s, ":")
		if !ok || strings.TrimSpace(name) == "" || strings.ContainsAny(name, " \t\r\n") || strings.ContainsAny(value, "\r\n") {
			return fmt.Errorf("want 'NAME: VALUE', got %q", s)
		}
		headers = append(headers, strings.TrimSpace(name), strings.TrimSpace(value))
		return nil
	})
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), watchUsage)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ginleak watch: unexpected arguments %q\nRun 'ginleak watch -h' for usage.\n", fs.Args())
		return exitUsage
	}
	opts := []watch.Option{
		watch.WithSelector(*selector), watch.WithWindow(*window), watch.WithStep(*step),
		watch.WithPoints(*points), watch.WithQueryTimeout(*timeout),
		watch.WithFloor(watch.SignalHeap, *heapFloor), watch.WithFloor(watch.SignalRSS, *heapFloor),
		watch.WithFloor(watch.SignalGoroutines, *gorFloor),
	}
	if *end != "" {
		t, err := parseEnd(*end)
		if err != nil {
			fmt.Fprintf(stderr, "ginleak watch: --end: %v\n", err)
			return exitUsage
		}
		opts = append(opts, watch.WithEnd(t))
	}
	switch *requests {
	case "":
	case "none":
		opts = append(opts, watch.WithoutRequests())
	default:
		opts = append(opts, watch.WithRequestsMetric(*requests))
	}
	if *memLimit != "" {
		b, err := parseSize(*memLimit)
		if err != nil {
			fmt.Fprintf(stderr, "ginleak watch: --memory-limit: %v\n", err)
			return exitUsage
		}
		opts = append(opts, watch.WithMemoryLimit(b))
	}
	if *allowRemote {
		opts = append(opts, watch.AllowRemote())
	}
	if *pprofToken != "" {
		if *profileDelay <= 0 || *maxProfiles <= 0 {
			fmt.Fprintln(stderr, "ginleak watch: -profile-delay and -max-profiles must be positive")
			return exitUsage
		}
		opts = append(opts, watch.WithPprof(*pprofToken, *profileDelay, *maxProfiles))
	}
	for i := 0; i < len(headers); i += 2 {
		opts = append(opts, watch.WithHeader(headers[i], headers[i+1]))
	}

	rep, err := watch.Run(ctx, *address, opts...)
	if err != nil {
		fmt.Fprintf(stderr, "ginleak watch: %v\n", err)
		return exitUsage
	}
	switch *jsonFile {
	case "":
	case "-":
		b, err := rep.MarshalIndented()
		if err == nil {
			_, err = stdout.Write(b)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ginleak watch: %v\n", err)
			return exitUsage
		}
	default:
		if err := rep.WriteJSONFile(*jsonFile); err != nil {
			fmt.Fprintf(stderr, "ginleak watch: %v\n", err)
			return exitUsage
		}
	}
	if *htmlFile != "" {
		if err := htmlreport.WriteFile(*htmlFile, func(w io.Writer) error { return htmlreport.Watch(w, rep) }); err != nil {
			fmt.Fprintf(stderr, "ginleak watch: write HTML: %v\n", err)
			return exitUsage
		}
	}
	if *jsonFile != "-" {
		if err := rep.WriteText(stdout); err != nil {
			return exitUsage
		}
	}
	return watchExit(rep.Verdict)
}

func watchExit(v stats.Verdict) int {
	switch v {
	case stats.Leak:
		return exitFindings
	case stats.Inconclusive:
		return exitInconclusive
	}
	return exitOK
}

// parseEnd reads an RFC 3339 time or Unix seconds.
func parseEnd(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if v, err := strconv.ParseFloat(s, 64); err == nil && v > 0 && v < 1e11 {
		return time.Unix(0, int64(v*1e9)), nil
	}
	return time.Time{}, fmt.Errorf("%q is neither an RFC 3339 time (2026-03-01T12:00:00Z) nor Unix seconds", s)
}

// parseSize reads a byte size: a number with an optional unit B, KB, MB,
// GB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024).
func parseSize(s string) (float64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) || v*mult > 1<<60 {
		return 0, fmt.Errorf("%q is not a size like 512MiB, 2GiB or 1e9", s)
	}
	return v * mult, nil
}
