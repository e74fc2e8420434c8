package leakprofile

import (
	"bufio"
	"context"
	"debug/buildinfo"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The toolchain the leak profile is tested with; the module proxy serves
// it (GOTOOLCHAIN downloads it as the module golang.org/toolchain).
const newToolchain = "go1.27.3"

const (
	leakyQuote = "/leaky/shipping/quote?zip=10115&weight_g=1200"
	fixedQuote = "/fixed/shipping/quote?zip=10115&weight_g=1200"
)

// leakyshop built by Go 1.27.3 serves the profile: the forgotten senders
// of /leaky/shipping/quote are proven leaked, one per request, and named;
// /fixed/shipping/quote adds none.
func TestLeakyshopGo127(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the build of leakyshop with " + newToolchain)
	}
	root := moduleRoot(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The toolchain first, with its own bound: a machine without access
	// to the module proxy skips instead of failing.
	env := append(os.Environ(), "GOTOOLCHAIN="+newToolchain)
	ver := exec.CommandContext(ctx, "go", "version")
	ver.Env, ver.Dir = env, root
	if out, err := ver.CombinedOutput(); err != nil || !strings.Contains(string(out), newToolchain) {
		// The go command's last line is the reason ("…: no such host").
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		last := lines[len(lines)-1]
		if len(last) > 300 {
			last = last[:300] + "…"
		}
		t.Skipf("the %s toolchain cannot be fetched (GOTOOLCHAIN=%s go version: %v: %s); skipping the goroutineleak test on a real target",
			newToolchain, newToolchain, err, last)
	}
	bin := buildShop(t, root, env, newToolchain)
	base := startShop(t, bin)
	client := &http.Client{Timeout: time.Minute}

	first, err := Fetch(ctx, client, base+"/debug/pprof")
	if err != nil {
		t.Fatal(err)
	}
	if !first.Available {
		t.Fatalf("leakyshop built by %s does not serve the profile: %s", newToolchain, first.Reason)
	}

	const n = 200
	load(t, client, base+fixedQuote, n)
	// The fixed workers exit once the carrier call ends with the request.
	// Read twice, so that any goroutine still on its way to block has
	// arrived: the fixed route must still add none.
	time.Sleep(200 * time.Millisecond)
	var afterFixed Result
	for range 2 {
		if afterFixed, err = Fetch(ctx, client, base+"/debug/pprof"); err != nil {
			t.Fatal(err)
		}
	}
	if rep := Diff(first, afterFixed); rep.Growth > 2 || rep.Proven() {
		t.Fatalf("the fixed route: %d goroutines proven leaked, want none: %+v", rep.Growth, rep.Sites)
	}

	load(t, client, base+leakyQuote, n)
	// A sender blocks once the carrier call (20 ms, cut short by the end
	// of the request) returns; until then it is runnable, not leaked.
	// Each reading runs a leak-detection GC: read until all are proven.
	var rep Report
	for i := 0; i < 50; i++ {
		last, err := Fetch(ctx, client, base+"/debug/pprof")
		if err != nil {
			t.Fatal(err)
		}
		if rep = Diff(afterFixed, last); rep.Growth >= n {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("after %d leaky requests: %d proven leaked (start %d), top site %+v", n, rep.Leaked, rep.Start, rep.Sites[0])
	// Every request leaks one sender when the carrier is slower than the
	// handler's patience (20 ms against 5 ms); a very busy machine could
	// let a few carriers answer in time.
	if rep.Growth < n*9/10 || rep.Growth > n+2 || !rep.Proven() {
		t.Fatalf("growth %d after %d leaky requests, want %d…%d", rep.Growth, n, n*9/10, n+2)
	}
	top := rep.Sites[0]
	if !strings.Contains(top.Function, "leakyShippingQuote") || !strings.HasSuffix(top.File, "case3_chanleak.go") || top.Growth < n*9/10 {
		t.Errorf("top site %s %s:%d growth %d, want leakyShippingQuote in case3_chanleak.go", top.Function, top.File, top.Line, top.Growth)
	}
}

// leakyshop built by this machine's Go (1.26 in CI) does not serve the
// profile: Available false, a reason, no error.
func TestLeakyshopLocalGo(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the build of leakyshop")
	}
	root := moduleRoot(t)
	bin := buildShop(t, root, append(os.Environ(), "GOTOOLCHAIN=local"), "")
	bi, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	base := startShop(t, bin)
	load(t, http.DefaultClient, base+leakyQuote, 20)
	res, err := Fetch(context.Background(), &http.Client{Timeout: time.Minute}, base+"/debug/pprof")
	if err != nil {
		t.Fatalf("%s target: %v", bi.GoVersion, err)
	}
	// A later Go serves it (kept true when CI moves on).
	if want := goAtLeast127(bi.GoVersion); res.Available != want {
		t.Fatalf("%s target: available = %v (%s), want %v", bi.GoVersion, res.Available, res.Reason, want)
	}
	if !res.Available && (res.Reason == "" || res.Leaked != 0) {
		t.Errorf("%s target: %+v, want a reason and nothing leaked", bi.GoVersion, res)
	}
	t.Logf("%s target: available=%v %s", bi.GoVersion, res.Available, res.Reason)
}

func goAtLeast127(v string) bool {
	var major, minor int
	if _, err := fmt.Sscanf(v, "go%d.%d", &major, &minor); err != nil {
		return false
	}
	return major > 1 || major == 1 && minor >= 27
}

func TestGoAtLeast127(t *testing.T) {
	for v, want := range map[string]bool{"go1.26.8": false, "go1.27.3": true, "go1.27rc1": true, "go1.9": false, "go2.0": true, "devel": false} {
		if goAtLeast127(v) != want {
			t.Errorf("goAtLeast127(%q) = %v", v, !want)
		}
	}
}

// moduleRoot is the directory of go.mod, two levels up.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	return root
}

// buildShop builds examples/leakyshop with env into a temporary
// directory; want, when set, is the Go version the binary must report.
func buildShop(t *testing.T, root string, env []string, want string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "leakyshop")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/leakyshop")
	cmd.Env, cmd.Dir = env, root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./examples/leakyshop: %v\n%s", err, out)
	}
	if want != "" {
		bi, err := buildinfo.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		if bi.GoVersion != want {
			t.Fatalf("leakyshop was built by %s, want %s", bi.GoVersion, want)
		}
	}
	return bin
}

// startShop starts leakyshop on a free loopback port and returns its base
// URL; it is stopped when the test ends.
func startShop(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-memprofilerate", "0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr cappedBuffer
	cmd.Stderr = &stderr
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
	case l, ok := <-line:
		u, found := strings.CutPrefix(l, "leakyshop listening on ")
		if !ok || !found || !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Fatalf("leakyshop said %q, not where it listens; stderr:\n%s", l, stderr.String())
		}
		return u
	case <-time.After(30 * time.Second):
		t.Fatalf("leakyshop did not say where it listens within 30 s; stderr:\n%s", stderr.String())
	}
	return ""
}

// load sends n GET requests to u from 4 workers, and fails the test
// unless all are answered 200.
func load(t *testing.T, client *http.Client, u string, n int) {
	t.Helper()
	var next, bad atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				resp, err := client.Get(u)
				if err == nil {
					io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %s", resp.Status)
					}
				}
				if err != nil {
					bad.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
			}
		})
	}
	wg.Wait()
	if bad.Load() > 0 {
		t.Fatalf("GET %s: %d of %d requests failed, first: %v", u, bad.Load(), n, firstErr.Load())
	}
}

// cappedBuffer keeps the first 64 KiB written to it.
type cappedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buf = append(c.buf, p[:min(len(p), 64<<10-len(c.buf))]...)
	return len(p), nil
}

func (c *cappedBuffer) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return string(c.buf)
}
