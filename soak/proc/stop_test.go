//go:build unix

package proc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

func startServe(t *testing.T, mode string, exec bool, opts ...Option) (*Process, int) {
	t.Helper()
	port := freePort(t)
	opts = append([]Option{
		WithReady(fmt.Sprintf("http://127.0.0.1:%d/", port)),
		WithEnv(helperEnvironment("GODEBUG=http2client=0")),
		WithReadyTimeout(time.Minute),
		WithLogFile(t.TempDir() + "/target.log"),
	}, opts...)
	p, err := Start(context.Background(), helperCommand(t, mode, port, exec), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop() })
	return p, port
}

// Stop must end the grandchild too: sh → helper parent → helper serving,
// as sh → go run → the compiled binary.
func TestStopKillsGrandchildren(t *testing.T) {
	p, port := startServe(t, "parent", false)
	get(t, fmt.Sprintf("http://127.0.0.1:%d/", port))
	members := mustMembers(t, p.PID())
	if len(members) < 3 {
		t.Fatalf("group %d has %d processes, want sh, the parent and the child", p.PID(), len(members))
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	select {
	case <-p.Exited():
	default:
		t.Error("Exited is open after Stop")
	}
	if err := p.Err(); err != nil {
		t.Errorf("Err after Stop = %v, want nil: the exit was asked for", err)
	}
	waitGroupGone(t, p.PID())
	// Idempotent, and concurrent calls agree.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := p.Stop(); err != nil {
				t.Errorf("second Stop: %v", err)
			}
		})
	}
	wg.Wait()
}

func TestStopKillsWhatIgnoresSIGTERM(t *testing.T) {
	p, _ := startServe(t, "stubborn", true, WithStopTimeout(300*time.Millisecond))
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	waitGroupGone(t, p.PID())
	b, err := os.ReadFile(p.LogPath())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "helper stubborn pid=") {
		t.Errorf("log lacks the helper's output:\n%s", b)
	}
}

func TestErrAfterUnexpectedExit(t *testing.T) {
	p, port := startServe(t, "serve", true)
	if err := p.Err(); err != nil {
		t.Fatalf("Err while running = %v", err)
	}
	go func() {
		// The handler exits the process: the request fails.
		c := fmt.Sprintf("http://127.0.0.1:%d/quit", port)
		resp, err := (&httpClient).Get(c)
		if err == nil {
			resp.Body.Close()
		}
	}()
	select {
	case <-p.Exited():
	case <-time.After(30 * time.Second):
		t.Fatal("the helper did not exit within 30s of /quit")
	}
	var ee *ExitError
	if err := p.Err(); !errors.As(err, &ee) {
		t.Fatalf("Err = %v, want an *ExitError", err)
	}
	if ee.Code != 4 || ee.BeforeReady || len(ee.Tail) == 0 || ee.Tail[len(ee.Tail)-1] != "quitting" {
		t.Errorf("ExitError = code %d, before ready %v, tail %q; want 4, false, ending in quitting", ee.Code, ee.BeforeReady, ee.Tail)
	}
	if !strings.Contains(ee.Error(), "while it was being soaked") {
		t.Errorf("error: %v", ee)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("Stop after exit: %v", err)
	}
	if err := p.Err(); err == nil {
		t.Error("Err is nil after Stop, but the exit came first")
	}
}

func TestGODEBUGReachesTheTarget(t *testing.T) {
	_, port := startServe(t, "serve", true)
	got := get(t, fmt.Sprintf("http://127.0.0.1:%d/env", port))
	// The user's setting kept, and the runtime took the rate.
	if want := "http2client=0,memprofilerate=4096 4096"; got != want {
		t.Errorf("the target saw GODEBUG and MemProfileRate %q, want %q", got, want)
	}
}
