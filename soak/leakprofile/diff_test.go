package leakprofile

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

var (
	shopSend = Frame{"github.com/acme/shop.(*Shop).quote.func1", "/src/shop/quote.go", 37}
	shopWait = Frame{"github.com/acme/shop.worker", "/src/shop/worker.go", 12}
	wgWait   = Frame{"sync.(*WaitGroup).Wait", "/usr/local/go/src/sync/waitgroup.go", 206}
	wgSema   = Frame{"sync.runtime_SemacquireWaitGroup", "/usr/local/go/src/runtime/sema.go", 114}
	ginNext  = Frame{"github.com/gin-gonic/gin.(*Context).Next", "/home/u/go/pkg/mod/github.com/gin-gonic/gin@v1.12.0/context.go", 192}
)

func result(stacks ...Stack) Result {
	r := Result{Available: true, Stacks: stacks}
	for _, s := range stacks {
		r.Leaked += s.Count
	}
	return r
}

func TestDiff(t *testing.T) {
	first := result(
		Stack{Count: 3, Frames: []Frame{shopWait}},
		Stack{Count: 2, Frames: []Frame{wgSema, wgWait, shopWait}},
	)
	last := result(
		Stack{Count: 3, Frames: []Frame{shopWait}},                   // no growth
		Stack{Count: 402, Frames: []Frame{wgSema, wgWait, shopWait}}, // grew by 400
		Stack{Count: 200, Frames: []Frame{shopSend, ginNext}},        // new
	)
	rep := Diff(first, last)
	if !rep.Available || rep.Leaked != 605 || rep.Start != 5 || rep.Growth != 600 || rep.Reason != "" {
		t.Fatalf("report %+v, want available, leaked 605, start 5, growth 600", rep)
	}
	want := []string{
		// The first own frame, past the standard library's.
		"github.com/acme/shop.worker /src/shop/worker.go:12 count=402 growth=400 frames=3",
		"github.com/acme/shop.(*Shop).quote.func1 /src/shop/quote.go:37 count=200 growth=200 frames=2",
		"github.com/acme/shop.worker /src/shop/worker.go:12 count=3 growth=0 frames=1",
	}
	if got := siteLines(rep.Sites); got != strings.Join(want, "\n") {
		t.Errorf("sites:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	if !rep.Proven() {
		t.Error("a growth of 600 is not Proven")
	}
}

func siteLines(sites []Site) string {
	var lines []string
	for _, s := range sites {
		lines = append(lines, fmt.Sprintf("%s %s:%d count=%d growth=%d frames=%d", s.Function, s.File, s.Line, s.Count, s.Growth, len(s.Stack)))
	}
	return strings.Join(lines, "\n")
}

func TestDiffEdges(t *testing.T) {
	leaked := result(Stack{Count: 7, Frames: []Frame{shopSend}})
	unavailable := Result{Reason: "the target does not serve it"}
	tests := []struct {
		name        string
		first, last Result
		available   bool
		leaked      int
		growth      int
		sites       int
		proven      bool
		reason      string
	}{
		{"not served", unavailable, unavailable, false, 0, 0, 0, false, "does not serve"},
		{"first reading failed", Result{}, leaked, true, 7, 7, 1, true, "no reading at the first"},
		{"last reading failed", leaked, Result{}, false, 0, 0, 0, false, ""},
		{"no leak", result(), result(), true, 0, 0, 0, false, ""},
		{"old leaks only", leaked, leaked, true, 7, 0, 1, false, ""},
		{"a handful", result(), result(Stack{Count: MinProvenGrowth, Frames: []Frame{shopSend}}), true, MinProvenGrowth, MinProvenGrowth, 1, false, ""},
		{"more than a handful", result(), result(Stack{Count: MinProvenGrowth + 1, Frames: []Frame{shopSend}}), true, MinProvenGrowth + 1, MinProvenGrowth + 1, 1, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := Diff(tt.first, tt.last)
			if rep.Available != tt.available || rep.Leaked != tt.leaked || rep.Growth != tt.growth ||
				len(rep.Sites) != tt.sites || rep.Proven() != tt.proven || !strings.Contains(rep.Reason, tt.reason) {
				t.Errorf("report %+v proven=%v, want available=%v leaked=%d growth=%d sites=%d proven=%v reason~%q",
					rep, rep.Proven(), tt.available, tt.leaked, tt.growth, tt.sites, tt.proven, tt.reason)
			}
			if rep.Sites == nil {
				t.Error("sites is nil: the JSON would say null, not []")
			}
		})
	}
}

// The report keeps MaxSites sites of MaxSiteFrames frames, and its JSON
// has the field names of docs/soak-json.md.
func TestDiffBoundsAndJSON(t *testing.T) {
	var stacks []Stack
	for i := range MaxSites + 5 {
		frames := make([]Frame, MaxFrames)
		for j := range frames {
			frames[j] = Frame{fmt.Sprintf("github.com/acme/shop.f%d_%d", i, j), "/src/shop/f.go", j + 1}
		}
		stacks = append(stacks, Stack{Count: i + 1, Frames: frames})
	}
	rep := Diff(result(), result(stacks...))
	if len(rep.Sites) != MaxSites || len(rep.Sites[0].Stack) != MaxSiteFrames || rep.Sites[0].Count != MaxSites+5 {
		t.Fatalf("%d sites, first with %d frames and count %d; want %d, %d, %d",
			len(rep.Sites), len(rep.Sites[0].Stack), rep.Sites[0].Count, MaxSites, MaxSiteFrames, MaxSites+5)
	}
	b, err := json.Marshal(Diff(result(), result(Stack{Count: 2, Frames: []Frame{shopSend}})))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"available":true,"leaked":2,"start":0,"growth":2,"sites":[{"function":"github.com/acme/shop.(*Shop).quote.func1","file":"/src/shop/quote.go","line":37,"count":2,"growth":2,"stack":[{"function":"github.com/acme/shop.(*Shop).quote.func1","file":"/src/shop/quote.go","line":37}]}]}`
	if string(b) != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
	b, _ = json.Marshal(Diff(Result{}, Result{Reason: "not served"}))
	if want := `{"available":false,"reason":"not served","leaked":0,"start":0,"growth":0,"sites":[]}`; string(b) != want {
		t.Errorf("JSON\n%s\nwant\n%s", b, want)
	}
}

func TestWithOwnCode(t *testing.T) {
	last := result(Stack{Count: 1, Frames: []Frame{wgSema, wgWait, shopWait}})
	rep := Diff(result(), last, WithOwnCode(func(f Frame) bool { return f == wgWait }))
	if s := rep.Sites[0]; s.Function != wgWait.Function {
		t.Errorf("site %s, want the frame WithOwnCode picks, %s", s.Function, wgWait.Function)
	}
	// No own frame at all: the leaf.
	rep = Diff(result(), last, WithOwnCode(func(Frame) bool { return false }))
	if s := rep.Sites[0]; s.Function != wgSema.Function {
		t.Errorf("site %s, want the leaf %s", s.Function, wgSema.Function)
	}
}

func TestOwnCode(t *testing.T) {
	tests := []struct {
		f    Frame
		want bool
	}{
		{shopSend, true},
		{Frame{"main.handler.func1", "/home/u/svc/main.go", 10}, true},
		{Frame{"myapp/internal/api.(*S).h", "/home/u/myapp/internal/api/h.go", 10}, true}, // dotless module outside any src
		{wgWait, false},
		{wgSema, false}, // package sync, file in runtime/
		{Frame{"net/http.(*conn).serve", "/usr/local/go/src/net/http/server.go", 2100}, false},
		{Frame{"sync.(*Mutex).Lock", "sync/mutex.go", 46}, false}, // -trimpath
		{Frame{"net/http.(*conn).serve", "C:/Program Files/Go/src/net/http/server.go", 2100}, false},
		{Frame{"vendor/golang.org/x/net/http2/hpack.f", "/usr/local/go/src/vendor/golang.org/x/net/http2/hpack/h.go", 1}, false},
		{ginNext, false},
		{Frame{"github.com/gin-gonic/gin.(*Context).Next", "github.com/gin-gonic/gin@v1.12.0/context.go", 192}, false}, // -trimpath
		{Frame{"github.com/acme/dep.F", "/src/shop/vendor/github.com/acme/dep/f.go", 3}, false},
		{Frame{"runtime.gopark", "/root/go/pkg/mod/golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64/src/runtime/proc.go", 474}, false},
		{Frame{Function: "?"}, false},
		{Frame{"github.com/acme/shop.Map[...].Get", "/src/shop/m.go", 3}, true},
	}
	for _, tt := range tests {
		if got := OwnCode(tt.f); got != tt.want {
			t.Errorf("OwnCode(%v) = %v, want %v", tt.f, got, tt.want)
		}
	}
}

func TestPackagePath(t *testing.T) {
	tests := map[string]string{
		"github.com/a/b.(*T).m.func1":       "github.com/a/b",
		"net/http.Get":                      "net/http",
		"main.main":                         "main",
		"github.com/a/b.F[go.shape.int]":    "github.com/a/b",
		"github.com/a/b.F[...]":             "github.com/a/b",
		"gopkg.in/yaml%2ev3.(*parser).node": "gopkg.in/yaml%2ev3", // the linker escapes the dot
	}
	for in, want := range tests {
		if got := packagePath(in); got != want {
			t.Errorf("packagePath(%q) = %q, want %q", in, got, want)
		}
	}
}
