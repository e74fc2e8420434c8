package profdiff

import (
	"bytes"
	"fmt"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
)

// blockedSender is the leaked goroutine of the live test: a forgotten
// sender on an unbuffered channel.
//
//go:noinline
func blockedSender(ch chan<- int) { ch <- 1 }

// spawnBlocked is its created-by site.
//
//go:noinline
func spawnBlocked(ch chan<- int, n int) {
	for range n {
		go blockedSender(ch)
	}
}

func goroutineDump(t testing.TB) string {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 2); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func isBlockedSender(g Goroutine) bool {
	return len(g.Frames) > 0 && strings.HasSuffix(g.Frames[0].Function, ".blockedSender") && g.State == "chan send"
}

// waitBlocked returns a dump in which n goroutines are parked in
// blockedSender, polling for at most 10 s.
func waitBlocked(t *testing.T, n int) []Goroutine {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		gs, err := ParseGoroutines(strings.NewReader(goroutineDump(t)))
		if err != nil {
			t.Fatal(err)
		}
		got := 0
		for _, g := range gs {
			if isBlockedSender(g) {
				got++
			}
		}
		if got == n {
			return gs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines blocked in blockedSender after 10 s, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestGoroutineSitesLive(t *testing.T) {
	ch := make(chan int)
	started := 0
	t.Cleanup(func() {
		for range started {
			<-ch
		}
	})
	spawnBlocked(ch, 5)
	started += 5
	base := waitBlocked(t, 5)
	spawnBlocked(ch, 7)
	started += 7
	last := waitBlocked(t, 12)

	for _, g := range last {
		if g.ID <= 0 || g.State == "" || len(g.Frames) == 0 {
			t.Errorf("odd goroutine %+v", g)
		}
		for _, f := range g.Frames {
			if f.Function == "" || f.File == "" || f.Line <= 0 {
				t.Errorf("goroutine %d: odd frame %+v", g.ID, f)
			}
		}
	}
	sites := GoroutineSites(base, last, 3)
	if len(sites) == 0 {
		t.Fatal("no growing goroutine stack")
	}
	s := sites[0]
	if !strings.HasSuffix(s.Function, "/soak/profdiff.blockedSender") || !strings.HasSuffix(s.File, "goroutine_test.go") || s.Line <= 0 {
		t.Errorf("top site at %s %s:%d, want blockedSender in goroutine_test.go", s.Function, s.File, s.Line)
	}
	if s.State != "chan send" || s.Count != 7 || s.Total != 12 {
		t.Errorf("top site state %q count %d total %d, want chan send 7 12", s.State, s.Count, s.Total)
	}
	if !strings.HasSuffix(s.CreatedBy.Function, "/soak/profdiff.spawnBlocked") ||
		!strings.HasSuffix(s.CreatedBy.File, "goroutine_test.go") || s.CreatedBy.Line <= 0 {
		t.Errorf("created by %+v, want spawnBlocked in goroutine_test.go", s.CreatedBy)
	}
	if len(s.Frames) == 0 || s.Frames[0].Function != s.Function {
		t.Errorf("frames %+v", s.Frames)
	}
	// Nothing grows between a dump and itself.
	if got := GoroutineSites(last, last, 0); len(got) != 0 {
		t.Errorf("self diff: %+v", got)
	}
}

const handDump = "goroutine 1 gp=0xc000002380 m=nil [running]:\n" +
	"main.main()\n" +
	"\t/app/main.go:22 +0xbd\n" +
	"\n" +
	"goroutine 18 [chan send, 5 minutes]:\r\n" +
	"github.com/acme/shop.forgotten.func1(0xc0000a2000)\r\n" +
	"\t/app/shop/checkout.go:41 +0x2d\r\n" +
	"created by github.com/acme/shop.forgotten in goroutine 7\r\n" +
	"\t/app/shop/checkout.go:39 +0x8f\r\n" +
	"\n" +
	"goroutine 19 [chan send, 1 minute, locked to thread]:\n" +
	"github.com/acme/shop.forgotten.func1(0xc0000a2010)\n" +
	"\t/app/shop/checkout.go:41 +0x2d\n" +
	"created by github.com/acme/shop.forgotten in goroutine 8\n" +
	"\t/app/shop/checkout.go:39 +0x8f\n" +
	"\n" +
	"goroutine 20 [select]:\n" +
	"labels: {\"route\":\"/x\"}\n" +
	"runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)\n" +
	"\t/usr/local/go/src/runtime/proc.go:435 +0xce fp=0xc000 sp=0xc000 pc=0x43\n" +
	"time.Sleep(0x3b9aca00)\n" +
	"\t/usr/local/go/src/runtime/time.go:338 +0x167\n" +
	"github.com/acme/shop.(*Worker[...]).poll(...)\n" +
	"\t/home/me/my shop/worker.go:12\n" +
	"...additional frames elided...\n" +
	"created by github.com/acme/shop.Start\n" +
	"\t/home/me/my shop/worker.go:5 +0x1\n" +
	"\n" +
	"goroutine 21 [running]:\n" +
	"\tgoroutine running on other thread; stack unavailable\n" +
	"created by net/http.(*Server).Serve in goroutine 1\n" +
	"\t/usr/local/go/src/net/http/server.go:3454 +0x485\n" +
	"\n" +
	"goroutine 22 [IO wait]:\n" +
	"internal/poll.runtime_pollWait(0x7f, 0x72)\n" +
	"\t/usr/local/go/src/runtime/netpoll.go:351 +0x85\n" +
	"net/http.(*conn).serve(0xc0001)\n" +
	"\t/usr/local/go/src/net/h" // truncated

func TestParseGoroutinesHand(t *testing.T) {
	gs, err := ParseGoroutines(strings.NewReader(handDump))
	if err != nil {
		t.Fatal(err)
	}
	want := []Goroutine{
		{ID: 1, State: "running", Frames: []Frame{{"main.main", "/app/main.go", 22}}},
		{ID: 18, State: "chan send", WaitMinutes: 5,
			Frames:    []Frame{{"github.com/acme/shop.forgotten.func1", "/app/shop/checkout.go", 41}},
			CreatedBy: Frame{"github.com/acme/shop.forgotten", "/app/shop/checkout.go", 39}},
		{ID: 19, State: "chan send", WaitMinutes: 1,
			Frames:    []Frame{{"github.com/acme/shop.forgotten.func1", "/app/shop/checkout.go", 41}},
			CreatedBy: Frame{"github.com/acme/shop.forgotten", "/app/shop/checkout.go", 39}},
		{ID: 20, State: "select",
			Frames: []Frame{
				{"runtime.gopark", "/usr/local/go/src/runtime/proc.go", 435},
				{"time.Sleep", "/usr/local/go/src/runtime/time.go", 338},
				{"github.com/acme/shop.(*Worker[...]).poll", "/home/me/my shop/worker.go", 12},
			},
			CreatedBy: Frame{"github.com/acme/shop.Start", "/home/me/my shop/worker.go", 5}},
		{ID: 21, State: "running",
			CreatedBy: Frame{"net/http.(*Server).Serve", "/usr/local/go/src/net/http/server.go", 3454}},
		{ID: 22, State: "IO wait",
			Frames: []Frame{
				{"internal/poll.runtime_pollWait", "/usr/local/go/src/runtime/netpoll.go", 351},
				{"net/http.(*conn).serve", "/usr/local/go/src/net/h", 0},
			}},
	}
	if got, w := fmt.Sprintf("%+v", gs), fmt.Sprintf("%+v", want); got != w {
		t.Errorf("parsed\n%s\nwant\n%s", got, w)
	}

	groups := GroupGoroutines(gs)
	if len(groups) != 5 || groups[0].Count != 2 || groups[0].State != "chan send" ||
		groups[0].Frames[0].Function != "github.com/acme/shop.forgotten.func1" {
		t.Errorf("groups %+v", groups)
	}

	sites := GoroutineSites(gs[:1], gs, 0)
	wantSites := []struct {
		fn    string
		count int
	}{
		{"github.com/acme/shop.forgotten.func1", 2},
		{"github.com/acme/shop.(*Worker[...]).poll", 1}, // first own frame, below time.Sleep
		{"net/http.(*Server).Serve", 1},                 // no frames: the created-by site
		{"internal/poll.runtime_pollWait", 1},           // no own frame: the top frame
	}
	if len(sites) != len(wantSites) {
		t.Fatalf("sites %+v", sites)
	}
	for i, w := range wantSites {
		if sites[i].Function != w.fn || sites[i].Count != w.count {
			t.Errorf("site %d: %s ×%d, want %s ×%d", i, sites[i].Function, sites[i].Count, w.fn, w.count)
		}
	}
	if s := GoroutineSites(nil, gs, 1); len(s) != 1 || s[0].Line != 41 || s[0].CreatedBy.Line != 39 {
		t.Errorf("top 1: %+v", s)
	}
}

func TestParseGoroutinesErrors(t *testing.T) {
	for name, in := range map[string]string{
		"empty":     "",
		"debug=1":   "goroutine profile: total 4\n2 @ 0x47d96e 0x41491c\n#\t0x4dc07d\tmain.blocked+0x1d\t/tmp/gd/main.go:10\n",
		"html":      "<html><body>404 page not found</body></html>",
		"bad id":    "goroutine 99999999999999999999999 [running]:\nmain.main()\n",
		"long line": "goroutine 1 [running]:\n" + strings.Repeat("x", maxLine+10) + "\n",
	} {
		gs, err := ParseGoroutines(strings.NewReader(in))
		if err == nil {
			t.Errorf("%s: no error, got %+v", name, gs)
		}
	}
	// A long line still returns what came before it.
	gs, err := ParseGoroutines(strings.NewReader("goroutine 1 [running]:\nmain.main()\n\n" + strings.Repeat("y", maxLine+10)))
	if err == nil || len(gs) != 1 {
		t.Errorf("long line after a goroutine: %v, %+v", err, gs)
	}
}

func FuzzParseGoroutines(f *testing.F) {
	f.Add(goroutineDump(f))
	f.Add(handDump)
	f.Add("goroutine 1 [running]:\nmain.main()\n")
	f.Add("goroutine 7 gp=0x1 m=2 mp=0x3 [chan receive, 3 minutes]:\nmain.f(...)\n\t/a.go:1\ncreated by main.g in goroutine 1\n\t/a.go:2 +0x1\n")
	f.Add("goroutine 2 [\ncreated by \n\t:\n(\n)\n...\n")
	f.Fuzz(func(t *testing.T, s string) {
		gs, err := ParseGoroutines(strings.NewReader(s))
		if err == nil && len(gs) == 0 {
			t.Fatal("no goroutines and no error")
		}
		total := 0
		for _, g := range GroupGoroutines(gs) {
			total += g.Count
		}
		if total != len(gs) {
			t.Fatalf("groups hold %d goroutines, want %d", total, len(gs))
		}
		if sites := GoroutineSites(gs, gs, 0); len(sites) != 0 {
			t.Fatalf("self diff: %+v", sites)
		}
		grown := 0
		for _, s := range GoroutineSites(nil, gs, 0) {
			grown += s.Count
		}
		if grown != len(gs) {
			t.Fatalf("growth from nothing %d, want %d", grown, len(gs))
		}
	})
}
