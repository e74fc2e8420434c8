package soak

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ginleak/ginleak/soak/stats"
)

// newToolchain is the Go whose runtime serves the goroutineleak profile;
// the module proxy serves it (GOTOOLCHAIN downloads it).
const newToolchain = "go1.27.3"

const leakyQuote = "/leaky/shipping/quote?zip=10115&weight_g=1200"

// A soak of leakyshop built by Go 1.27.3 reads the goroutineleak profile at
// the first and the last checkpoint: the forgotten senders of
// /leaky/shipping/quote are proven leaked and named, and the proof is a
// leak even in a run whose statistics alone could not say so. Built by the
// machine's Go 1.26, the same soak says nothing about the profile but
// "available": false.
func TestGoroutineLeakProfileLeakyshop(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the builds of leakyshop")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	t.Run("go1.26", func(t *testing.T) {
		bin := buildLeakyshop(ctx, t, root, "local")
		base := startLeakyshop(t, bin)
		rep := run(t, quick(base+leakyQuote, 1500))
		lp := rep.GoroutineLeakProfile
		if lp == nil || lp.Available || lp.Reason == "" || lp.Leaked != 0 {
			t.Fatalf("goroutine_leak_profile = %+v, want unavailable with a reason", lp)
		}
		var b strings.Builder
		_ = rep.WriteText(&b)
		if strings.Contains(b.String(), "goroutineleak") || strings.Contains(strings.Join(rep.Warnings, "\n"), "goroutineleak") {
			t.Errorf("a Go 1.26 target: the report mentions the profile it does not serve:\n%s", b.String())
		}
	})

	t.Run(newToolchain, func(t *testing.T) {
		env := append(os.Environ(), "GOTOOLCHAIN="+newToolchain)
		ver := exec.CommandContext(ctx, "go", "version")
		ver.Env, ver.Dir = env, root
		if out, err := ver.CombinedOutput(); err != nil || !strings.Contains(string(out), newToolchain) {
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			t.Skipf("the %s toolchain cannot be fetched (GOTOOLCHAIN=%s go version: %v: %.300s); skipping the goroutineleak profile on a real target",
				newToolchain, newToolchain, err, lines[len(lines)-1])
		}
		bin := buildLeakyshop(ctx, t, root, newToolchain)
		base := startLeakyshop(t, bin)
		// The smallest run soak accepts.
		cfg := quick(base+leakyQuote, 700)
		cfg.Settle = 300 * time.Millisecond // the senders block once the 20 ms carrier call returns
		rep := run(t, cfg)
		lp := rep.GoroutineLeakProfile
		if lp == nil || !lp.Available {
			t.Fatalf("goroutine_leak_profile = %+v, want available", lp)
		}
		measured := int(rep.Samples[len(rep.Samples)-1].Requests - rep.Samples[0].Requests)
		if !lp.Proven() || lp.Growth < measured*8/10 || lp.Growth > measured+5 {
			t.Errorf("%d goroutines proven leaked during %d requests, want about one per request", lp.Growth, measured)
		}
		if len(lp.Sites) == 0 || !strings.Contains(lp.Sites[0].Function, "leakyShippingQuote") ||
			!strings.HasSuffix(lp.Sites[0].File, "case3_chanleak.go") {
			t.Errorf("proven sites %+v, want leakyShippingQuote first", lp.Sites)
		}
		if rep.Verdict != stats.Leak || !strings.Contains(rep.Reason, "the Go runtime proved") {
			t.Errorf("verdict %s (%s), want a leak the runtime proved", rep.Verdict, rep.Reason)
		}
		var b strings.Builder
		_ = rep.WriteText(&b)
		if !strings.Contains(b.String(), "Goroutines the runtime proved leaked") {
			t.Errorf("the text report lacks the proven goroutines:\n%s", b.String())
		}
	})
}

// buildLeakyshop builds examples/leakyshop with GOTOOLCHAIN=toolchain.
func buildLeakyshop(ctx context.Context, t *testing.T, root, toolchain string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "leakyshop")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/leakyshop")
	cmd.Env, cmd.Dir = append(os.Environ(), "GOTOOLCHAIN="+toolchain), root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOTOOLCHAIN=%s go build ./examples/leakyshop: %v\n%s", toolchain, err, out)
	}
	return bin
}

// startLeakyshop starts leakyshop on a free loopback port, heap profiling
// fine enough for the sites, and returns its base URL; it is stopped when
// the test ends.
func startLeakyshop(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-memprofilerate", "4096")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case l := <-line:
		u, ok := strings.CutPrefix(l, "leakyshop listening on ")
		if !ok || !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Fatalf("leakyshop said %q, not where it listens", l)
		}
		return u
	case <-time.After(30 * time.Second):
		t.Fatal("leakyshop did not say where it listens within 30 s")
	}
	return ""
}
