// Package demo runs ginleak end to end on the bundled example service,
// examples/leakyshop: `ginleak vet` on its source, then a soak of every
// leaky route and its fixed twin, each against a fresh leakyshop process so
// one case's leak cannot colour the next case's verdict. The result is one
// table: what the static rules said, what the soak measured, and whether
// every leak was caught and every fix came out stable.
package demo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ginleak/ginleak/examples/leakyshop/shop"
	"github.com/ginleak/ginleak/fault"
	"github.com/ginleak/ginleak/soak"
	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/stats"
	"github.com/ginleak/ginleak/vet"
)

// ModulePath is the module whose checkout holds the example service.
const ModulePath = "github.com/ginleak/ginleak"

// Config configures a demo run.
type Config struct {
	// Root is the ginleak checkout (default: found from the current
	// directory upwards).
	Root string
	// Quick runs shorter soaks (the whole demo in under 30 s).
	Quick bool
	// Log receives one line per step; nil discards them.
	Log func(format string, args ...any)
}

// Row is the outcome of one case.
type Row struct {
	Case   shop.Case
	Static []vet.Finding // findings of the case's rule in the case's file
	// Leaky and Fixed are the soak reports (nil for behavioural cases).
	Leaky, Fixed *soak.Report
	// LeakyAnswer and FixedAnswer describe what the routes answered in
	// a behavioural case.
	LeakyAnswer, FixedAnswer Answer
	// Caught: the leaky route was flagged (static rule, and soak leak with
	// the right top site or the behavioural check). FixedOK: the fixed
	// route came out stable (or behaved).
	Caught, FixedOK bool
	// Why explains a false Caught or FixedOK.
	Why string
}

// Answer is what a route answered to one request of a behavioural case.
type Answer struct {
	Status        int
	ReceivedBytes int
}

// Result is a whole demo run.
type Result struct {
	Rows []Row
	// Cases is how many cases there are; Interrupted is set when the run
	// stopped before all of them ran.
	Cases       int
	Interrupted bool
	// SlowClients is the slow-clients check (nil when it did not run).
	SlowClients *SlowRow
}

// OK reports whether every case ran, every leak was caught and every fix
// was stable.
func (r *Result) OK() bool {
	if r.Interrupted || len(r.Rows) < r.Cases {
		return false
	}
	for _, row := range r.Rows {
		if !row.Caught || !row.FixedOK {
			return false
		}
	}
	if r.SlowClients == nil || !r.SlowClients.Caught || !r.SlowClients.FixedOK {
		return false
	}
	return len(r.Rows) > 0
}

// Run runs the demo. It builds leakyshop into a temporary directory and
// starts it as a child process per soak; every child is stopped before Run
// returns, whatever happens.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	logf := cfg.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	root := cfg.Root
	if root == "" {
		var err error
		if root, err = FindRoot("."); err != nil {
			return nil, err
		}
	}
	tmp, err := os.MkdirTemp("", "ginleak-demo-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	defer os.RemoveAll(tmp)

	logf("building examples/leakyshop")
	bin := filepath.Join(tmp, "leakyshop")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/leakyshop")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build leakyshop: %v\n%s", err, out)
	}

	logf("ginleak vet ./examples/leakyshop/...")
	findings, err := vet.Run(ctx, vet.Config{Dir: root, Patterns: []string{"./examples/leakyshop/..."}})
	if err != nil {
		return nil, fmt.Errorf("vet leakyshop: %w", err)
	}

	logf("slow clients: %d on a bare http.Server and %d on guard.NewServer, while the cases run", slowConns, slowConns)
	slow, err := startSlowCheck(ctx, bin)
	if err != nil {
		return nil, fmt.Errorf("slow clients: %w", err)
	}
	defer slow.stop()

	cases := shop.Cases()
	res := &Result{Cases: len(cases)}
	for _, c := range cases {
		row := Row{Case: c, Static: staticFor(c, findings.Findings)}
		if c.Behavioural {
			logf("case %s: checking what the handlers receive", c.Name)
			err = behave(ctx, bin, &row)
		} else {
			logf("case %s: soaking %s", c.Name, c.LeakyPath)
			if row.Leaky, err = soakRoute(ctx, bin, c, c.LeakyPath, cfg.Quick); err == nil {
				logf("case %s: soaking %s", c.Name, c.FixedPath)
				row.Fixed, err = soakRoute(ctx, bin, c, c.FixedPath, cfg.Quick)
			}
		}
		if err != nil {
			res.Interrupted = true
			return res, fmt.Errorf("case %s: %w", c.Name, err)
		}
		judge(&row)
		res.Rows = append(res.Rows, row)
	}
	if res.SlowClients, err = slow.finish(ctx); err != nil {
		res.Interrupted = true
		return res, fmt.Errorf("slow clients: %w", err)
	}
	for _, f := range findings.Findings {
		if f.Analyzer() == "servertimeout" && filepath.Base(f.Posn.Filename) == "main.go" {
			res.SlowClients.Static = fmt.Sprintf("servertimeout main.go:%d", f.Posn.Line)
			break
		}
	}
	return res, nil
}

// FindRoot finds the ginleak checkout at or above dir.
func FindRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", dir, err)
	}
	for d := abs; ; d = filepath.Dir(d) {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil &&
			bytes.HasPrefix(bytes.TrimSpace(data), []byte("module "+ModulePath+"\n")) {
			if _, err := os.Stat(filepath.Join(d, "examples", "leakyshop")); err == nil {
				return d, nil
			}
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("the demo needs the example service's source: run it inside a checkout of %s (cd into it and run go run ./cmd/ginleak demo)", ModulePath)
		}
	}
}

func staticFor(c shop.Case, findings []vet.Finding) []vet.Finding {
	var out []vet.Finding
	for _, f := range findings {
		if c.Rule != "" && f.Analyzer() == c.Rule && filepath.Base(f.Posn.Filename) == c.File {
			out = append(out, f)
		}
	}
	return out
}

// soakParams sizes a soak: long enough for ≥ 10 checkpoints with a clear
// trend, short enough for the demo's time budget.
func soakParams(quick bool) (requests, warmup int64, checkpoints int) {
	if quick {
		return 2400, 400, 10
	}
	return 7000, 1000, 12
}

func soakRoute(ctx context.Context, bin string, c shop.Case, path string, quick bool) (*soak.Report, error) {
	var args []string
	if c.Dependency != "" {
		dep, err := startDependency(ctx, c.Dependency)
		if err != nil {
			return nil, err
		}
		defer dep.stop()
		args = append(args, "-inventory-url", "http://"+dep.proxy.Addr())
	}
	child, err := start(ctx, bin, args...)
	if err != nil {
		return nil, err
	}
	defer child.stop()
	t := load.Target{Method: c.Method, URL: child.url + path}
	if c.Body != "" {
		t.Body = []byte(c.Body)
		t.Header = http.Header{"Content-Type": {c.ContentType}}
	}
	requests, warmup, checkpoints := soakParams(quick)
	rep, err := soak.Run(ctx, soak.Config{
		Targets:        []load.Target{t},
		Concurrency:    16,
		Connections:    16,
		Requests:       requests,
		WarmupRequests: warmup,
		Checkpoints:    checkpoints,
	})
	if err != nil {
		return nil, fmt.Errorf("soak %s: %w", path, err)
	}
	if rep.Interrupted && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return rep, nil
}

func behave(ctx context.Context, bin string, row *Row) error {
	child, err := start(ctx, bin)
	if err != nil {
		return err
	}
	defer child.stop()
	ask := func(path string) (Answer, error) {
		req, err := http.NewRequestWithContext(ctx, row.Case.Method, child.url+path, strings.NewReader(row.Case.Body))
		if err != nil {
			return Answer{}, err
		}
		req.Header.Set("Content-Type", row.Case.ContentType)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return Answer{}, fmt.Errorf("%s %s: %w", row.Case.Method, path, err)
		}
		defer resp.Body.Close()
		var body struct {
			ReceivedBytes int `json:"received_bytes"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
			return Answer{}, fmt.Errorf("%s %s: answer is not JSON: %w", row.Case.Method, path, err)
		}
		return Answer{Status: resp.StatusCode, ReceivedBytes: body.ReceivedBytes}, nil
	}
	if row.LeakyAnswer, err = ask(row.Case.LeakyPath); err != nil {
		return err
	}
	row.FixedAnswer, err = ask(row.Case.FixedPath)
	return err
}

// judge decides Caught and FixedOK for a row.
func judge(row *Row) {
	c := row.Case
	var why []string
	staticOK := c.Rule == "" || len(row.Static) > 0
	if !staticOK {
		why = append(why, fmt.Sprintf("rule %s did not report %s", c.Rule, c.File))
	}
	if c.Behavioural {
		leakyOK := row.LeakyAnswer.Status == c.LeakyStatus && row.LeakyAnswer.ReceivedBytes == 0
		row.FixedOK = row.FixedAnswer.Status == c.FixedStatus && row.FixedAnswer.ReceivedBytes == len(c.Body)
		row.Caught = staticOK && leakyOK
		if !leakyOK {
			why = append(why, fmt.Sprintf("leaky route answered %d with %d bytes received", row.LeakyAnswer.Status, row.LeakyAnswer.ReceivedBytes))
		}
		if !row.FixedOK {
			why = append(why, fmt.Sprintf("fixed route answered %d with %d of %d bytes received", row.FixedAnswer.Status, row.FixedAnswer.ReceivedBytes, len(c.Body)))
		}
		row.Why = strings.Join(why, "; ")
		return
	}
	leakOK := row.Leaky != nil && row.Leaky.Verdict == stats.Leak
	if !leakOK {
		why = append(why, "leaky route soaked "+verdictOf(row.Leaky))
	}
	site := topSite(row.Leaky, c.Signal)
	siteOK := strings.Contains(site, c.LeakyFunc)
	if leakOK && !siteOK {
		why = append(why, fmt.Sprintf("top %s site is %s, want %s", c.Signal, orNone(site), c.LeakyFunc))
	}
	row.Caught = staticOK && leakOK && siteOK
	row.FixedOK = row.Fixed != nil && row.Fixed.Verdict == stats.Stable
	if !row.FixedOK {
		why = append(why, "fixed route soaked "+verdictOf(row.Fixed))
	}
	row.Why = strings.Join(why, "; ")
}

// topSite is the function of the top growing site for the case's signal.
func topSite(r *soak.Report, signal string) string {
	if r == nil {
		return ""
	}
	switch {
	case signal == shop.SignalGoroutines && len(r.GoroutineSites) > 0:
		return r.GoroutineSites[0].Function
	case signal == shop.SignalHeap && len(r.HeapSites) > 0:
		return r.HeapSites[0].Function
	}
	return ""
}

func verdictOf(r *soak.Report) string {
	if r == nil {
		return "(not run)"
	}
	return string(r.Verdict)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// child is a running leakyshop.
type child struct {
	cmd     *exec.Cmd
	url     string
	bareURL string // with -bare-addr
	done    chan struct{}
}

// start runs leakyshop on a free loopback port and waits for its
// "listening" line. The process dies with ctx, and stop ends it early.
func start(ctx context.Context, bin string, args ...string) (*child, error) {
	cmd := exec.CommandContext(ctx, bin, append([]string{"-addr", "127.0.0.1:0", "-view-cache-size", "200"}, args...)...)
	cmd.Stderr = io.Discard
	cmd.WaitDelay = 3 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start leakyshop: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start leakyshop: %w", err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	// With -bare-addr, the bare server's line follows the main one.
	lines := 1
	if slices.Contains(args, "-bare-addr") {
		lines = 2
	}
	urls := make(chan string, 2)
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			u, ok := strings.CutPrefix(sc.Text(), "leakyshop listening on ")
			if !ok {
				u, ok = strings.CutPrefix(sc.Text(), "leakyshop bare server listening on ")
			}
			if ok {
				select {
				case urls <- u:
				default:
				}
			}
		}
		_ = cmd.Wait()
	}()
	var got []string
	for len(got) < lines {
		select {
		case u := <-urls:
			got = append(got, u)
		case <-c.done:
			return nil, errors.New("leakyshop exited before it was listening")
		case <-time.After(15 * time.Second):
			c.stop()
			return nil, errors.New("leakyshop did not start listening within 15 s")
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		}
	}
	c.url = got[0]
	if lines == 2 {
		c.bareURL = got[1]
	}
	return c, nil
}

// stop asks leakyshop to shut down, then kills it if it lingers.
func (c *child) stop() {
	if c.cmd.Process == nil {
		return
	}
	_ = c.cmd.Process.Signal(os.Interrupt)
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
}

// dependency is a case's inventory service, on loopback behind a fault
// proxy that makes it misbehave as the case says.
type dependency struct {
	srv   *http.Server
	proxy *fault.Proxy
}

func startDependency(ctx context.Context, spec string) (*dependency, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("inventory service: %w", err)
	}
	d := &dependency{srv: &http.Server{Handler: shop.InventoryHandler(), ReadHeaderTimeout: 5 * time.Second}}
	go d.srv.Serve(ln) //nolint:errcheck // ends with Close
	cfg, err := fault.ParseSpec("127.0.0.1:0=" + ln.Addr().String() + "," + spec)
	if err == nil {
		d.proxy, err = fault.Start(ctx, cfg)
	}
	if err != nil {
		d.srv.Close()
		return nil, fmt.Errorf("fault proxy for the inventory service: %w", err)
	}
	return d, nil
}

func (d *dependency) stop() {
	d.proxy.Close()
	d.srv.Close()
}
