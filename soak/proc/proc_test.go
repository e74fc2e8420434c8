//go:build unix

package proc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestMergeGODEBUG(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "memprofilerate=4096"},
		{"http2client=0", "http2client=0,memprofilerate=4096"},
		{"gctrace=1,madvdontneed=1", "gctrace=1,madvdontneed=1,memprofilerate=4096"},
		{"memprofilerate=1", "memprofilerate=1"},                     // theirs wins
		{"gctrace=1,memprofilerate=0", "gctrace=1,memprofilerate=0"}, // even 0
		{" gctrace=1 , ,memprofilerate = 8 ", "gctrace=1,memprofilerate = 8"},
		{",,", "memprofilerate=4096"},
		{"memprofilerateX=1", "memprofilerateX=1,memprofilerate=4096"}, // another key
	}
	for _, tt := range tests {
		if got := MergeGODEBUG(tt.in); got != tt.want {
			t.Errorf("MergeGODEBUG(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMergeEnv(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"none", []string{"A=1"}, []string{"A=1", "GODEBUG=memprofilerate=4096"}},
		{"one", []string{"GODEBUG=gctrace=1", "A=1"}, []string{"A=1", "GODEBUG=gctrace=1,memprofilerate=4096"}},
		// os/exec keeps the last of duplicate keys: so does the merge,
		// and exactly one GODEBUG remains.
		{"duplicates", []string{"GODEBUG=gctrace=1", "GODEBUG=memprofilerate=2"}, []string{"GODEBUG=memprofilerate=2"}},
		{"not a prefix", []string{"XGODEBUG=1"}, []string{"XGODEBUG=1", "GODEBUG=memprofilerate=4096"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mergeEnv(tt.in)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("mergeEnv(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestOptionsRejectBadValues(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
		want string
	}{
		{"ready not http", WithReady("ftp://127.0.0.1/"), "want an http:// or https:// URL"},
		{"ready no host", WithReady("http:///x"), "want an http:// or https:// URL"},
		{"ready timeout", WithReadyTimeout(0), "ready timeout 0s"},
		{"stop timeout", WithStopTimeout(-time.Second), "stop timeout -1s"},
		{"log limit", WithLogLimit(0), "log limit 0"},
		{"log file", WithLogFile(""), "log file: empty path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Start(context.Background(), "true", tt.opt)
			if err == nil {
				p.Stop()
				t.Fatal("Start accepted the option")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
		})
	}
	if _, err := Start(context.Background(), ""); err == nil || !strings.Contains(err.Error(), "empty command") {
		t.Errorf("empty command: %v", err)
	}
}

func TestStartExitsEarly(t *testing.T) {
	port := freePort(t)
	logPath := filepath.Join(t.TempDir(), "target.log")
	p, err := Start(context.Background(), helperCommand(t, "exit", port, false),
		WithReady(fmt.Sprintf("http://127.0.0.1:%d/", port)),
		WithEnv(helperEnvironment()), WithLogFile(logPath), WithReadyTimeout(time.Minute))
	if err == nil {
		p.Stop()
		t.Fatal("Start returned no error for a command that exits at once")
	}
	var ee *ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("error %v (%T) is not an *ExitError", err, err)
	}
	if ee.Code != 3 || !ee.BeforeReady || ee.Log != logPath {
		t.Errorf("ExitError = code %d, before ready %v, log %q; want 3, true, %q", ee.Code, ee.BeforeReady, ee.Log, logPath)
	}
	if len(ee.Tail) != TailLines || ee.Tail[TailLines-1] != "line 29" || ee.Tail[0] != "line 10" {
		t.Errorf("Tail = %q, want lines 10 to 29", ee.Tail)
	}
	for _, want := range []string{"exit status 3", "before it was ready", logPath, "| line 29", "Run the command by hand"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	// The whole output is in the file, not only the tail.
	b, rerr := os.ReadFile(logPath)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if !strings.Contains(string(b), "helper exit pid=") || !strings.Contains(string(b), "line 0\n") {
		t.Errorf("log file lacks the first lines:\n%s", b)
	}
}

func TestStartNeverReady(t *testing.T) {
	port := freePort(t) // the helper sleeps and never listens there
	_, err := Start(context.Background(), helperCommand(t, "sleep", port, false),
		WithReady(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/", port)),
		WithEnv(helperEnvironment()), WithReadyTimeout(700*time.Millisecond), WithStopTimeout(5*time.Second))
	if err == nil {
		t.Fatal("Start returned no error for a command that never answers")
	}
	for _, want := range []string{"did not answer", "within 700ms", "--ready-timeout", "helper sleep pid="} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	// Nothing it started is left: the helper printed its pid.
	var pid int
	if i := strings.Index(err.Error(), "helper sleep pid="); i >= 0 {
		fmt.Sscanf(err.Error()[i:], "helper sleep pid=%d", &pid)
	}
	if pid <= 0 {
		t.Fatalf("no helper pid in %v", err)
	}
	waitProcessGone(t, pid)
}

// waitProcessGone waits, bounded, until kill(pid, 0) fails with ESRCH.
func waitProcessGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for syscall.Kill(pid, 0) != syscall.ESRCH {
		if time.Now().After(deadline) {
			t.Fatalf("process %d still exists 15s after Start failed", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStartInterrupted(t *testing.T) {
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := Start(ctx, helperCommand(t, "sleep", port, true),
		WithReady(fmt.Sprintf("http://127.0.0.1:%d/", port)), WithEnv(helperEnvironment()))
	// The ready timeout (60 s) is far away: ctx ends the wait.
	if err == nil || !strings.Contains(err.Error(), "did not answer") && !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("Start with an ending ctx: %v", err)
	}
}

func TestStartRefusesRemoteReadyURL(t *testing.T) {
	start := time.Now()
	_, err := Start(context.Background(), "sleep 30",
		WithReady("http://192.0.2.1:8080/"), WithReadyTimeout(time.Minute), WithStopTimeout(2*time.Second))
	if err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("Start with a remote readiness URL: %v", err)
	}
	// Refused at the first attempt, not retried until the timeout.
	if time.Since(start) > 30*time.Second {
		t.Errorf("refusal took %v", time.Since(start))
	}
}
