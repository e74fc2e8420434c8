package soak

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginleak/ginleak/guard"
	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/proc"
	"github.com/ginleak/ginleak/soak/stats"
)

// reportServer serves /report the leaky way of leakyshop's case 7: the
// work runs in a goroutine that sends on an unbuffered channel, and the
// handler stops waiting when its client leaves. Only clients that give up
// leak a goroutine. (The senders are released when the test ends.)
func reportServer(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/report", func(w http.ResponseWriter, r *http.Request) {
		ch := make(chan string)
		go reportWorker(ch, release)
		select {
		case s := <-ch:
			w.Write([]byte(s))
		case <-r.Context().Done():
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return srv
}

func reportWorker(ch chan<- string, release <-chan struct{}) {
	time.Sleep(2 * time.Millisecond) // the slow query
	select {
	case ch <- "report":
	case <-release:
	}
}

// A leak on the path of clients that give up is found with --abort 30%
// and not without.
func TestAbortOnlyLeak(t *testing.T) {
	srv := reportServer(t)
	cfg := quick(srv.URL+"/report", 3000)
	cfg.NoEarlyStop = true
	rep := run(t, cfg)
	if rep.Verdict != stats.Stable || rep.Aborted != 0 || rep.AbortSeed != 0 {
		t.Errorf("without aborts: verdict %s (%s), aborted %d; want stable", rep.Verdict, rep.Reason, rep.Aborted)
	}
	cfg.Abort = load.Abort{Rate: 0.3}
	rep = run(t, cfg)
	if rep.Verdict != stats.Leak || rep.Goroutines.Verdict != stats.Leak {
		t.Fatalf("with 30%% aborted: verdict %s, goroutines %s (%s); want leak", rep.Verdict, rep.Goroutines.Verdict, rep.Reason)
	}
	if len(rep.GoroutineSites) == 0 || !strings.Contains(rep.GoroutineSites[0].Function, "reportWorker") {
		t.Errorf("top goroutine site %+v, want reportWorker", rep.GoroutineSites)
	}
	// Chosen requests answered before their moment are not aborted.
	if rep.AbortRate < 0.15 || rep.AbortRate > 0.36 || rep.AbortSeed == 0 || rep.AbortAfterMs < 1 || rep.Errors != 0 {
		t.Errorf("aborted %d (rate %.2f, seed %d, after %.1f ms), errors %d; want about 30%%, a seed, at least 1 ms, no error",
			rep.Aborted, rep.AbortRate, rep.AbortSeed, rep.AbortAfterMs, rep.Errors)
	}
}

// Slow clients held by a server without ReadHeaderTimeout are a finding;
// guard.NewServer closes them (after its 5 s) and there is none.
func TestSlowClients(t *testing.T) {
	if testing.Short() {
		t.Skip("holds slow clients for 9 s")
	}
	for _, tc := range []struct {
		name    string
		guarded bool
	}{{"bare http.Server", false}, {"guard.NewServer", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			shop := newShop(t, true)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			srv := &http.Server{Handler: shop.Config.Handler}
			if tc.guarded {
				srv = guard.NewServer(ln.Addr().String(), shop.Config.Handler)
			}
			go srv.Serve(ln)
			t.Cleanup(func() { srv.Close() })
			url := "http://" + ln.Addr().String()
			rep := run(t, Config{
				Targets: []load.Target{{URL: url + "/clean"}}, Rate: 200, Duration: 9 * time.Second,
				SlowClients: 20, SlowTimeout: 7 * time.Second,
			})
			s := rep.SlowClients
			if s == nil || s.Opened != 20 {
				t.Fatalf("slow clients %+v, want 20 opened", s)
			}
			if tc.guarded {
				if len(rep.Findings) != 0 || s.ClosedByTarget != 20 || s.CloseAfterS.Max < 4 || s.CloseAfterS.Max > 8 {
					t.Errorf("findings %q, slow clients %+v; want all 20 closed after about 5 s and no finding", rep.Findings, s)
				}
				return
			}
			if len(rep.Findings) != 1 || !strings.Contains(rep.Findings[0], "slow clients: 20 of 20 held for 7 s: set http.Server.ReadHeaderTimeout or use guard.NewServer") {
				t.Errorf("findings %q, want the slow-clients finding", rep.Findings)
			}
			if s.OpenAtEnd != 20 || s.ClosedByTarget != 0 {
				t.Errorf("slow clients %+v, want all 20 held to the end", s)
			}
		})
	}
}

func TestSlowClientsBounded(t *testing.T) {
	_, err := Run(context.Background(), Config{Targets: []load.Target{{URL: "http://127.0.0.1:1/"}}, SlowClients: 10001})
	if err == nil || !strings.Contains(err.Error(), "10001 slow clients: want 0 to 10000") {
		t.Errorf("err = %v, want the bound", err)
	}
}

// freePort returns a loopback port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// groupGone reports whether no process of group pgid is left.
func groupGone(pgid int) bool {
	return errors.Is(syscall.Kill(-pgid, 0), syscall.ESRCH)
}

func runConfig(t *testing.T, mode, path string) (Config, int) {
	port := freePort(t)
	cfg := quick("http://127.0.0.1:"+itoa(port)+path, 3000)
	cfg.Run = helperCommand(mode, port)
	cfg.ReadyTimeout = 20 * time.Second
	cfg.RunLog = t.TempDir() + "/target.log"
	return cfg, port
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestRunTargetExits(t *testing.T) {
	for _, tc := range []struct {
		mode, want string
		before     bool
	}{
		{"exit", "exit status 3", true},
		{"serve-then-exit", "exit status 4", false},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			cfg, _ := runConfig(t, tc.mode, "/fdfixed")
			cfg.Requests = 200000 // longer than the helper lives
			rep, err := Run(context.Background(), cfg)
			var ee *proc.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("Run = %v, %v; want a *proc.ExitError", rep, err)
			}
			if ee.BeforeReady != tc.before || !strings.Contains(ee.Status, tc.want) || len(ee.Tail) == 0 || ee.Log != cfg.RunLog {
				t.Errorf("exit error %+v; want %q, before ready %v, its log's tail", ee, tc.want, tc.before)
			}
			if !strings.Contains(err.Error(), "log line 29") {
				t.Errorf("message %q lacks the last log lines", err)
			}
			if !groupGone(ee.PID) {
				t.Errorf("processes of group %d left", ee.PID)
			}
		})
	}
}

func TestRunNeverReady(t *testing.T) {
	cfg, _ := runConfig(t, "sleep", "/")
	cfg.ReadyTimeout = time.Second
	start := time.Now()
	_, err := Run(context.Background(), cfg)
	if err == nil || !strings.Contains(err.Error(), "1s") {
		t.Fatalf("Run error %v, want not ready within 1s", err)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("took %v", d)
	}
}

// Ctrl-C in the middle of the run stops the target's whole group.
func TestRunInterruptStopsTarget(t *testing.T) {
	cfg, _ := runConfig(t, "serve", "/fdfixed")
	cfg.Requests = 200000
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg.Progress = func(p Progress) {
		if p.Checkpoint >= 2 {
			cancel()
		}
	}
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Interrupted || rep.Process == nil || rep.Process.PID == 0 {
		t.Fatalf("interrupted %v, process %+v", rep.Interrupted, rep.Process)
	}
	if !groupGone(rep.Process.PID) {
		t.Errorf("processes of group %d left after the interrupted run", rep.Process.PID)
	}
}

// A handler that never closes an upstream response body leaks a
// descriptor per request: called leak on fds; its fix is stable.
func TestRunFDLeak(t *testing.T) {
	for _, tc := range []struct {
		path string
		want stats.Verdict
	}{{"/fdleak", stats.Leak}, {"/fdfixed", stats.Stable}} {
		t.Run(tc.path, func(t *testing.T) {
			cfg, _ := runConfig(t, "serve", tc.path)
			cfg.NoEarlyStop = true
			rep := run(t, cfg)
			pr := rep.Process
			if pr == nil || !pr.Supported {
				t.Fatalf("process %+v", pr)
			}
			if pr.FDs.Verdict != tc.want || rep.Verdict != tc.want {
				t.Errorf("fds %s (%d -> %d, %s), verdict %s (%s); want %s", pr.FDs.Verdict, pr.FDs.Start, pr.FDs.End, pr.FDs.Reason, rep.Verdict, rep.Reason, tc.want)
			}
			if pr.PeakRSSBytes <= 0 || pr.Threads <= 0 || pr.CPUSeconds <= 0 || pr.Log != cfg.RunLog {
				t.Errorf("process %+v", pr)
			}
			if tc.want == stats.Leak && pr.FDs.PerRequest < 0.5 {
				t.Errorf("fds grow %.3f per request, want about 1 or 2", pr.FDs.PerRequest)
			}
			if !groupGone(pr.PID) {
				t.Errorf("processes of group %d left", pr.PID)
			}
		})
	}
}
