package leakprofile

import (
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

// forgetSenders starts n goroutines that send on an unbuffered channel
// nobody receives from: the seed's forgotten sender. They stay for the
// life of the test binary, which is what the GC then proves.
//
//go:noinline
func forgetSenders(n int) {
	for range n {
		//ginleak:ignore chanleak the leak is the point: the runtime must prove this sender leaked
		ch := make(chan int)
		go func() { ch <- 1 }()
	}
}

// A test binary without the profile (Go ≤ 1.26) says so without an error.
func TestLookupUnavailable(t *testing.T) {
	if pprof.Lookup(ProfileName) != nil {
		t.Skipf("%s has the goroutineleak profile: TestLookup covers it", runtime.Version())
	}
	res, err := Lookup()
	if err != nil || res.Available || !strings.Contains(res.Reason, runtime.Version()) {
		t.Fatalf("Lookup() = %+v, %v; want unavailable, the Go version in the reason, no error", res, err)
	}
}

// On Go ≥ 1.27 the leaked senders are proven leaked in-process and named.
// Run it with: GOTOOLCHAIN=go1.27.3 go test ./soak/leakprofile/
func TestLookup(t *testing.T) {
	if pprof.Lookup(ProfileName) == nil {
		t.Skipf("%s has no goroutineleak profile (Go ≥ 1.27 has; try GOTOOLCHAIN=go1.27.3 go test ./soak/leakprofile/)", runtime.Version())
	}
	first, err := Lookup()
	if err != nil {
		t.Fatal(err)
	}
	if !first.Available {
		t.Fatalf("unavailable: %s", first.Reason)
	}
	const n = 40
	forgetSenders(n)
	// A sender is a candidate once it has blocked; until then it is
	// runnable. Each reading runs a leak-detection GC: read until all are
	// proven, a bounded number of times.
	var rep Report
	for i := 0; i < 100; i++ {
		last, err := Lookup()
		if err != nil {
			t.Fatal(err)
		}
		if rep = Diff(first, last); rep.Growth >= n {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// Other tests of the package may have leaked before; none leaks while
	// this one runs (no t.Parallel here), so the growth is ours.
	if rep.Growth != n || !rep.Proven() {
		t.Fatalf("growth %d (proven %v), want %d: %+v", rep.Growth, rep.Proven(), n, rep)
	}
	top := rep.Sites[0]
	if top.Growth != n || !strings.Contains(top.Function, "forgetSenders") || !strings.HasSuffix(top.File, "lookup_test.go") {
		t.Errorf("top site %s %s:%d growth %d, want forgetSenders.func1 in lookup_test.go, growth %d",
			top.Function, top.File, top.Line, top.Growth, n)
	}
}
