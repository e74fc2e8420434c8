package ginleaktest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/ginleak/ginleak/ginleaktest"
	"github.com/ginleak/ginleak/soak"
)

// unreachableSender leaks a goroutine per request, blocked on a send on a
// channel nothing else can reach: what the runtime can prove leaked.
func unreachableSender(w http.ResponseWriter, r *http.Request) {
	//ginleak:ignore chanleak the leak is the point: the runtime must prove this sender leaked
	ch := make(chan int)
	go func() { ch <- 1 }()
	io.WriteString(w, "ok")
}

// envChild marks the child process of TestGoroutineLeakProfileInProcess.
const envChild = "GINLEAKTEST_LEAKPROFILE_CHILD"

// In-process, on Go ≥ 1.27, the soak reads the runtime's goroutineleak
// profile (pprof.Lookup, through the private pprof mux): the goroutines
// proven leaked are in the report with their site, and they make the
// verdict a leak even in the shortest soak. Goroutines proven leaked can
// never be woken, so the soak runs in a child process of the test binary,
// which exits once it has checked the report (goleak would refuse them).
// Run it with GOTOOLCHAIN=go1.27.3 go test ./ginleaktest/.
func TestGoroutineLeakProfileInProcess(t *testing.T) {
	if pprof.Lookup("goroutineleak") == nil {
		t.Skipf("%s has no goroutineleak profile (Go ≥ 1.27 has; try GOTOOLCHAIN=go1.27.3 go test ./ginleaktest/)", runtime.Version())
	}
	if os.Getenv(envChild) == "1" {
		os.Exit(leakProfileChild(t))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestGoroutineLeakProfileInProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envChild+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "child: proven") {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

// leakProfileChild soaks unreachableSender and checks the report; it
// returns the exit code of the child process.
func leakProfileChild(t *testing.T) int {
	var rep *soak.Report
	rec := record(t, func(tb testing.TB) {
		ginleaktest.Leaks(tb, http.HandlerFunc(unreachableSender), ginleaktest.Requests(700),
			ginleaktest.Report(func(r *soak.Report) { rep = r }))
	})
	fail := func(format string, args ...any) int {
		fmt.Printf("child: "+format+"\n", args...)
		return 1
	}
	if len(rec.fatals)+len(rec.errors) > 0 || rep == nil {
		return fail("Leaks failed: %q %q", rec.fatals, rec.errors)
	}
	lp := rep.GoroutineLeakProfile
	if lp == nil || !lp.Available || !lp.Proven() {
		return fail("goroutine_leak_profile = %+v, want a proven leak", lp)
	}
	if len(lp.Sites) == 0 || !strings.Contains(lp.Sites[0].Function, ".unreachableSender.func1") ||
		!strings.HasSuffix(lp.Sites[0].File, "leakprofile_test.go") {
		return fail("proven sites %+v, want unreachableSender's goroutine first", lp.Sites)
	}
	if !strings.Contains(rep.Reason, "the Go runtime proved") {
		return fail("reason %q does not say what the runtime proved", rep.Reason)
	}
	fmt.Printf("child: proven %d leaked goroutines at %s:%d\n", lp.Growth, lp.Sites[0].File, lp.Sites[0].Line)
	return 0
}
