package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/google/renameio/v2"

	"github.com/ginleak/ginleak/fault"
	"github.com/ginleak/ginleak/htmlreport"
	"github.com/ginleak/ginleak/soak"
	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/stats"
)

const soakUsage = `Usage: ginleak soak [flags] TARGET...

Drives load at a service on this machine, reads its live heap (after a
forced GC) and goroutine count at checkpoints with no request in flight,
and decides whether they grow with the number of requests: LEAK, STABLE or
INCONCLUSIVE (growth that slows down: run longer). On a leak it names the
allocation sites and goroutine stacks that grew, from pprof diffs.

TARGET is a URL (GET) or "METHOD URL"; {{seq}} and {{uuid}} are replaced
per request, so per-key leaks show:

  ginleak soak 'http://127.0.0.1:8080/products/1?session={{uuid}}'
  ginleak soak --requests 20000 --rate 1000 'POST http://127.0.0.1:8080/orders'
  ginleak soak --targets targets.txt        # vegeta's http format, bodies with @file

Misbehaving traffic, where leaks hide:

  ginleak soak --abort 30% URL              # 30% of clients give up mid-request
  ginleak soak --slow-clients 200 URL       # slowloris: is ReadHeaderTimeout set?

A target ginleak starts and stops itself (no orphan, also on Ctrl-C); its
RSS, CPU, threads and open file descriptors are read at every checkpoint,
and open descriptors are a third leak signal:

  ginleak soak --run "go run ./cmd/api" http://127.0.0.1:8080/orders

A run stops early once a leak is certain (see --no-early-stop).

The target must serve net/http/pprof (default: TARGET origin + /debug/pprof),
or give --metrics with Prometheus text (go_goroutines, and go_gc_heap_live_bytes
or go_memstats_heap_alloc_bytes; without the live-heap series the heap needs
at least 2 GC cycles between checkpoints, from go_gc_cycles_total_gc_cycles_total,
go_gc_duration_seconds_count or go_memstats_last_gc_time_seconds, or it is
inconclusive). Set GODEBUG=memprofilerate=4096 on the target to attribute
small leaks.

Bounds:
  - a verdict other than INCONCLUSIVE needs at least 500 requests between the
    first checkpoint (after warm-up) and the last, and 10 checkpoints; runs
    that cannot reach that are refused, runs that end short are INCONCLUSIVE
  - at least 200ms of load (or 10 requests) between checkpoints, at most 1000
    checkpoints; with --requests and --rate, the rate must send them in time
  - at each checkpoint, requests still running after 1s (or -timeout if
    shorter) are cancelled and counted as timeouts
  - the run ends within its length (--duration; or twice the time --requests
    take at --rate; or 30m for --requests in the closed model) plus 10s and
    a quarter of that
  - what the target sends is bounded: response bodies 64 MiB (longer ones
    fail the request), heap profiles 64 MiB compressed and decompressed,
    pprof text and metrics 256 MiB, lines 1 MiB; values that cannot be true
    (negative sizes, NaN, Inf, past int64) are a target error

Exit codes: 0 stable, 1 leak or a finding (slow clients held), 3 inconclusive,
2 usage or target error (also: the --run target exited; its log's last lines
are shown).

Flags:
`

// soakFlags holds the flag values; Config turns them into a soak.Config.
type soakFlags struct {
	rate, heapFloor, goroutineFloor float64
	concurrency, connections        int
	checkpoints                     int
	duration, timeout, settle       time.Duration
	requests                        int64
	warmup, targetsFile             string
	pprofURL, metricsURL, jsonFile  string
	quiet, allowRemote, netHTTP     bool
	set                             map[string]bool // flags given on the command line

	abort                     string
	abortAfter                time.Duration
	abortSeed                 uint64
	slowClients               int
	slowTimeout, readyTimeout time.Duration
	run, ready, runLog        string
	faults                    []fault.Config
	htmlFile                  string
	noEarlyStop               bool
	fdFloor                   float64
}

// validate refuses flag values that cannot configure a soak, before any
// work: each error names the flag, the value and what to give instead.
func (f *soakFlags) validate() error {
	positive := func(name string, v float64) error {
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
			return fmt.Errorf("-%s %v: give a positive, finite number (omit the flag for the default)", name, v)
		}
		return nil
	}
	for _, fl := range []struct {
		name string
		v    float64
	}{
		{"rate", f.rate}, {"heap-floor", f.heapFloor}, {"goroutine-floor", f.goroutineFloor},
		{"connections", float64(f.connections)}, {"checkpoints", float64(f.checkpoints)},
		{"timeout", float64(f.timeout)}, {"duration", float64(f.duration)}, {"requests", float64(f.requests)},
	} {
		// Defaults are valid; a value given, or a default that is zero
		// and means "not set", is checked when given.
		if f.set[fl.name] {
			if err := positive(fl.name, fl.v); err != nil {
				if d, ok := durationFlags[fl.name]; ok {
					return fmt.Errorf("-%s %v: give a positive duration such as %s", fl.name, time.Duration(fl.v), d)
				}
				return err
			}
		}
	}
	if f.set["concurrency"] && f.concurrency <= 0 {
		return fmt.Errorf("-concurrency %d: give a positive number of workers for the closed model, or leave the flag out for the open model (-rate)", f.concurrency)
	}
	if f.settle < 0 {
		return fmt.Errorf("-settle %v: give a duration of 0 (no pause) or more", f.settle)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"abort-after", f.abortAfter}, {"slow-timeout", f.slowTimeout}, {"ready-timeout", f.readyTimeout}} {
		if f.set[d.name] && d.v <= 0 {
			return fmt.Errorf("-%s %v: give a positive duration such as 5s", d.name, d.v)
		}
	}
	if f.set["slow-clients"] && (f.slowClients <= 0 || f.slowClients > 10000) {
		return fmt.Errorf("-slow-clients %d: give 1 to 10000 connections (a few hundred show whether the server closes them)", f.slowClients)
	}
	if f.set["fd-floor"] {
		if err := positive("fd-floor", f.fdFloor); err != nil {
			return err
		}
	}
	if f.abort == "" && (f.set["abort-after"] || f.set["abort-seed"]) {
		return fmt.Errorf("-abort-after and -abort-seed go with -abort P%%")
	}
	if f.run == "" && (f.ready != "" || f.runLog != "" || f.set["ready-timeout"]) {
		return fmt.Errorf("-ready, -ready-timeout and -run-log go with -run CMD")
	}
	if f.slowClients == 0 && f.set["slow-timeout"] {
		return fmt.Errorf("-slow-timeout goes with -slow-clients N")
	}
	return nil
}

// durationFlags are the flags validate reports as durations, with an
// example value.
var durationFlags = map[string]string{"timeout": "10s", "duration": "30s"}

func (f *soakFlags) register(fs *flag.FlagSet) {
	fs.Float64Var(&f.rate, "rate", 500, "requests per second (open model: latency counted from the intended send time)")
	fs.IntVar(&f.concurrency, "concurrency", 0, "closed model: `C` workers each sending one request after another (instead of -rate)")
	fs.IntVar(&f.connections, "connections", 64, "most connections (and requests in flight) ever open to the target")
	fs.DurationVar(&f.duration, "duration", 0, "bound of the run, warm-up included (default 30s unless -requests is set)")
	fs.Int64Var(&f.requests, "requests", 0, "bound of the run in requests, warm-up included")
	fs.StringVar(&f.warmup, "warmup", "", "warm-up before the first checkpoint: a duration (5s) or a request count (2000); default 10% of the run")
	fs.IntVar(&f.checkpoints, "checkpoints", soak.DefaultCheckpoints, "checkpoints after warm-up (10 to 1000); unset, with early stop on, about one every 0.5s of load (at most 60)")
	fs.StringVar(&f.pprofURL, "pprof", "", "where the target serves pprof (default: TARGET origin + /debug/pprof)")
	fs.StringVar(&f.metricsURL, "metrics", "", "read samples from this Prometheus text URL instead of pprof (no forced GC: see above)")
	fs.StringVar(&f.targetsFile, "targets", "", "read targets from `FILE` in vegeta's http format (- for stdin)")
	fs.StringVar(&f.jsonFile, "json", "", "write the machine-readable report to `FILE` (- for stdout); schema in docs/soak-json.md")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress line; only the report")
	fs.BoolVar(&f.allowRemote, "allow-remote", false, "allow targets that are not on this machine (loopback)")
	fs.BoolVar(&f.netHTTP, "net-http", false, "send with Go's net/http client instead of ginleak's lean HTTP/1.1 client (more CPU per request, taken from the target; for a target the lean client does not get along with). https targets always use net/http")
	fs.DurationVar(&f.settle, "settle", soak.DefaultSettle, "pause after the load drains before each checkpoint, so bounded work a request started after its response can end")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "timeout of each request")
	fs.Float64Var(&f.heapFloor, "heap-floor", soak.DefaultHeapFloor, "smallest heap growth called a leak, bytes per request")
	fs.Float64Var(&f.goroutineFloor, "goroutine-floor", soak.DefaultGoroutineFloor, "smallest goroutine growth called a leak, goroutines per request")
	fs.StringVar(&f.abort, "abort", "", "abandon `P%` of the requests after warm-up (chosen at random, seeded) by closing the connection mid-request, as clients that give up do; counted apart, not as errors")
	fs.DurationVar(&f.abortAfter, "abort-after", 0, "an abandoned request is dropped at a random moment within this long of sending (default: the warm-up's median latency, at least 1ms)")
	fs.Uint64Var(&f.abortSeed, "abort-seed", 0, "seed of the choice of abandoned requests, to repeat a run (default: random, printed in the report)")
	fs.IntVar(&f.slowClients, "slow-clients", 0, "hold `N` extra connections (at most 10000) that send a header byte per second and never finish: a target that holds them has no ReadHeaderTimeout (a finding, exit 1)")
	fs.DurationVar(&f.slowTimeout, "slow-timeout", 30*time.Second, "how long the target may hold a slow client before it is a finding (or the whole run if shorter)")
	fs.StringVar(&f.run, "run", "", "start the target with `CMD` (sh -c, own process group, GODEBUG=memprofilerate=4096 added), wait until it is ready, soak it, stop it on every path")
	fs.StringVar(&f.ready, "ready", "", "with -run: the URL that answers once the target is ready (default: the pprof URL)")
	fs.DurationVar(&f.readyTimeout, "ready-timeout", 60*time.Second, "with -run: how long the target may take to become ready (go run compiles first)")
	fs.StringVar(&f.runLog, "run-log", "", "with -run: write the target's output to `FILE` (default: a new file in the temporary directory, named in the report)")
	fs.Float64Var(&f.fdFloor, "fd-floor", soak.DefaultFDFloor, "with -run: smallest growth of open file descriptors called a leak, per request")
	fs.Func("fault", "run a fault proxy for the length of the soak: `LISTEN=UPSTREAM[,latency=D][,jitter=D][,reset=P][,blackhole=P][,down=FOR/EVERY][,seed=N]` (repeatable; point the target at LISTEN; see ginleak fault -h)", func(s string) error {
		c, err := fault.ParseSpec(s)
		if err != nil {
			return err
		}
		f.faults = append(f.faults, c)
		return nil
	})
	fs.StringVar(&f.htmlFile, "html", "", "also write the report as a self-contained HTML page with charts to `FILE`")
	fs.BoolVar(&f.noEarlyStop, "no-early-stop", false, "run the whole length even when a leak is certain early ("+soak.EarlyStopRule+")")
}

// parseAbort reads -abort: "30%", "30" (percent) or "0%".
func parseAbort(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%")), 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 100 {
		return 0, fmt.Errorf("-abort %q: want a percentage from 0%% to 100%%, such as 30%%", s)
	}
	return v / 100, nil
}

// config builds the soak configuration from the flags and target args.
func (f *soakFlags) config(args []string, stdin io.Reader) (soak.Config, error) {
	if err := f.validate(); err != nil {
		return soak.Config{}, err
	}
	var targets []load.Target
	if f.targetsFile != "" {
		r := stdin
		if f.targetsFile != "-" {
			file, err := os.Open(f.targetsFile)
			if err != nil {
				return soak.Config{}, fmt.Errorf("open targets file: %w", err)
			}
			defer file.Close()
			r = file
		}
		ts, err := load.ReadTargets(r)
		if err != nil {
			return soak.Config{}, fmt.Errorf("read targets file %s: %w", f.targetsFile, err)
		}
		targets = append(targets, ts...)
	}
	for _, a := range args {
		t, err := load.ParseTarget(a)
		if err != nil {
			return soak.Config{}, fmt.Errorf("target %q: %w", a, err)
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 {
		return soak.Config{}, fmt.Errorf("no target: give a URL such as http://127.0.0.1:8080/path, or --targets FILE")
	}
	cfg := soak.Config{
		Targets:        targets,
		Rate:           f.rate,
		Concurrency:    f.concurrency,
		Connections:    f.connections,
		Timeout:        f.timeout,
		Duration:       f.duration,
		Requests:       f.requests,
		Settle:         f.settle,
		PprofURL:       f.pprofURL,
		MetricsURL:     f.metricsURL,
		AllowRemote:    f.allowRemote,
		NetHTTP:        f.netHTTP,
		HeapFloor:      f.heapFloor,
		GoroutineFloor: f.goroutineFloor,
		SlowClients:    f.slowClients,
		Run:            f.run,
		Ready:          f.ready,
		RunLog:         f.runLog,
		FDFloor:        f.fdFloor,
		NoEarlyStop:    f.noEarlyStop,
		Faults:         f.faults,
	}
	if f.set["checkpoints"] {
		// Unset, the runner picks: the default, or with early stop one
		// about every 0.5 s of load.
		cfg.Checkpoints = f.checkpoints
	}
	if f.slowClients > 0 {
		cfg.SlowTimeout = f.slowTimeout
	}
	if f.run != "" {
		cfg.ReadyTimeout = f.readyTimeout
	}
	if f.abort != "" {
		rate, err := parseAbort(f.abort)
		if err != nil {
			return soak.Config{}, err
		}
		cfg.Abort = load.Abort{Rate: rate, After: f.abortAfter, Seed: f.abortSeed}
	}
	if f.concurrency > 0 {
		if f.set["rate"] {
			return soak.Config{}, fmt.Errorf("-rate and -concurrency choose different load models: give -rate N (open model) or -concurrency C (closed model), not both")
		}
		cfg.Rate = 0
		if !f.set["connections"] && f.concurrency > cfg.Connections {
			cfg.Connections = f.concurrency // one connection per worker unless capped
		}
	}
	if f.warmup != "" {
		if d, err := time.ParseDuration(f.warmup); err == nil {
			cfg.Warmup = d
		} else if n, err := strconv.ParseInt(f.warmup, 10, 64); err == nil && n > 0 {
			cfg.WarmupRequests = n
		} else {
			return soak.Config{}, fmt.Errorf("-warmup %q: want a duration such as 5s or a request count such as 2000", f.warmup)
		}
	}
	return cfg, nil
}

func runSoak(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ginleak soak", flag.ContinueOnError)
	var f soakFlags
	f.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), soakUsage)
		fs.PrintDefaults()
	}
	rest, code, ok := parseInterspersed(fs, args, stdout, stderr)
	if !ok {
		return code
	}
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	cfg, err := f.config(rest, os.Stdin)
	if err != nil {
		fmt.Fprintf(stderr, "ginleak soak: %v\n", err)
		return exitUsage
	}
	if f.htmlFile != "" {
		// Checked before the soak: a bad path must not cost a whole run.
		if st, err := os.Stat(filepath.Dir(f.htmlFile)); err != nil || !st.IsDir() {
			fmt.Fprintf(stderr, "ginleak soak: -html %s: its folder does not exist\n", f.htmlFile)
			return exitUsage
		}
	}
	// Create the report's temporary file first, in the report's folder: a
	// bad path must not cost a whole soak. It replaces the report only
	// when complete, so a run that fails keeps an existing report intact.
	var pending *renameio.PendingFile
	if f.jsonFile != "" && f.jsonFile != "-" {
		var err error
		pending, err = renameio.NewPendingFile(f.jsonFile, renameio.WithTempDir(filepath.Dir(f.jsonFile)),
			renameio.WithPermissions(0o644), renameio.WithExistingPermissions())
		if err != nil {
			fmt.Fprintf(stderr, "ginleak soak: create JSON report: %v\n", err)
			return exitUsage
		}
		defer pending.Cleanup()
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// What the target sends is bounded (see soakUsage); a soft limit
		// makes the GC return the garbage of those reads early, keeping
		// the tool's peak RSS well under 600 MB.
		debug.SetMemoryLimit(memoryLimit)
	}
	tty := isTerminal(stderr)
	if !f.quiet {
		cfg.Progress = progressPrinter(stderr, tty)
	}
	rep, err := soak.Run(ctx, cfg)
	if cfg.Progress != nil && tty {
		fmt.Fprint(stderr, "\r\033[K") // clear the status line
	}
	if err != nil {
		fmt.Fprintf(stderr, "ginleak soak: %v\n", err)
		return exitUsage
	}
	exit := verdictCode(rep.Verdict)
	if len(rep.Findings) > 0 && exit != exitFindings {
		exit = exitFindings // slow clients held: a problem of its own
	}
	if f.jsonFile != "-" {
		err := rep.WriteText(stdout)
		if err == nil {
			err = rep.WriteDriveText(stdout)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ginleak soak: %v\n", err)
			return exitUsage
		}
	}
	if f.jsonFile != "-" {
		for _, fr := range rep.Faults {
			fmt.Fprintf(stdout, "  fault       %s -> %s (seed %d): %s\n", fr.Listen, fr.Upstream, fr.Seed, faultLine(fr.Stats))
		}
	}
	if f.jsonFile != "" {
		if err := writeJSONReport(f.jsonFile, pending, stdout, rep); err != nil {
			fmt.Fprintf(stderr, "ginleak soak: write JSON report: %v\n", err)
			return exitUsage
		}
	}
	if f.htmlFile != "" {
		if err := htmlreport.WriteFile(f.htmlFile, func(w io.Writer) error { return htmlreport.Soak(w, rep) }); err != nil {
			fmt.Fprintf(stderr, "ginleak soak: write HTML report: %v\n", err)
			return exitUsage
		}
	}
	return exit
}

// memoryLimit is the soft memory limit of ginleak soak (GOMEMLIMIT
// overrides it).
const memoryLimit = 384 << 20

func verdictCode(v stats.Verdict) int {
	switch v {
	case stats.Leak:
		return exitFindings
	case stats.Stable:
		return exitOK
	}
	return exitInconclusive
}

// progressPrinter rewrites one status line on a terminal; elsewhere (CI
// logs) it prints a line per checkpoint so the log stays readable.
func progressPrinter(w io.Writer, tty bool) func(soak.Progress) {
	last := -1
	return func(p soak.Progress) {
		line := soak.FormatProgress(p)
		if tty {
			fmt.Fprintf(w, "\r\033[K%s", line)
			return
		}
		if p.Checkpoint != last {
			last = p.Checkpoint
			fmt.Fprintln(w, line)
		}
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// writeJSONReport encodes rep whole before writing any of it, so an
// encoding error leaves nothing half written, then writes it to stdout
// (path "-") or to pending and renames that over path.
func writeJSONReport(path string, pending *renameio.PendingFile, stdout io.Writer, rep *soak.Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if path == "-" {
		_, err := stdout.Write(b)
		return err
	}
	if _, err := pending.Write(b); err != nil {
		return err
	}
	return pending.CloseAtomicallyReplace()
}

// parseInterspersed parses flags that may come after the positional
// arguments (ginleak soak URL -rate 100), which the flag package alone
// stops at.
func parseInterspersed(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (rest []string, code int, ok bool) {
	for {
		if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
			return nil, code, false
		}
		args = fs.Args()
		if len(args) == 0 {
			return rest, 0, true
		}
		if args[0] == "--" {
			return append(rest, args[1:]...), 0, true
		}
		rest = append(rest, args[0])
		args = args[1:]
		if !hasFlag(args) {
			return append(rest, args...), 0, true
		}
	}
}

func hasFlag(args []string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, "-") && a != "-" {
			return true
		}
	}
	return false
}
