package profdiff

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ginleak/ginleak/soak/diagnose"
)

// dumpOf writes a goroutine dump: n goroutines of each stack, given as
// "state|created-by function@file:line|function@file:line;..." (leaf first).
func dumpOf(stacks map[string]int) string {
	var b strings.Builder
	id := 1
	for spec, n := range stacks {
		parts := strings.Split(spec, "|")
		for range n {
			fmt.Fprintf(&b, "goroutine %d [%s]:\n", id, parts[0])
			id++
			for fr := range strings.SplitSeq(parts[2], ";") {
				fn, loc, _ := strings.Cut(fr, "@")
				fmt.Fprintf(&b, "%s(...)\n\t%s +0x1d\n", fn, loc)
			}
			fn, loc, _ := strings.Cut(parts[1], "@")
			fmt.Fprintf(&b, "created by %s in goroutine 1\n\t%s +0x2a\n\n", fn, loc)
		}
	}
	return b.String()
}

func groupsOf(t *testing.T, stacks map[string]int) []Group {
	t.Helper()
	gs, err := ReadGoroutineGroups(strings.NewReader(dumpOf(stacks)))
	if err != nil {
		t.Fatal(err)
	}
	return gs
}

const (
	gorootSrc = "/usr/local/go/src/"
	modcache  = "/home/me/go/pkg/mod/"
	readLoop  = "runtime.gopark@" + gorootSrc + "runtime/proc.go:435;internal/poll.runtime_pollWait@" + gorootSrc + "runtime/netpoll.go:351;net/http.(*persistConn).readLoop@" + gorootSrc + "net/http/transport.go:2395"
	transport = "net/http.(*Transport).dialConn@" + gorootSrc + "net/http/transport.go:1944"
	// The handler's goroutine waits in http.Get for a dependency that
	// never answers.
	waitsInGet = "runtime.gopark@" + gorootSrc + "runtime/proc.go:435;runtime.selectgo@" + gorootSrc + "runtime/select.go:351;" +
		"net/http.(*persistConn).roundTrip@" + gorootSrc + "net/http/transport.go:2780;net/http.Get@" + gorootSrc + "net/http/client.go:462;" +
		"github.com/acme/shop.(*Shop).stock.func1@/src/shop/stock.go:54"
	stockHandler = "github.com/acme/shop.(*Shop).stock@/src/shop/stock.go:53"
)

// A goroutine with no frame of the user's must not rank above one that
// has one, whatever the counts: demo case 6 listed net/http's readLoop
// (in internal/poll.runtime_pollWait) above the handler's goroutine.
func TestDiffGroupsOwnFirst(t *testing.T) {
	base := groupsOf(t, map[string]int{"IO wait|" + transport + "|" + readLoop: 2})
	last := groupsOf(t, map[string]int{
		"IO wait|" + transport + "|" + readLoop:     402, // one more per request
		"select|" + stockHandler + "|" + waitsInGet: 300,
		// A library function the user's code started: its go statement
		// is the user's.
		"chan receive|github.com/acme/shop.spawn@/src/shop/spawn.go:9|runtime.gopark@" + gorootSrc + "runtime/proc.go:435;" +
			"github.com/lib/pq.(*Listener).listen@" + modcache + "github.com/lib/pq@v1.10.9/notify.go:80": 350,
	})
	sites := DiffGroups(base, last, 0)
	if len(sites) != 3 {
		t.Fatalf("%d sites, want 3: %+v", len(sites), sites)
	}
	want := []struct {
		fn         string
		line       int
		count      int
		own, ownBy bool
	}{
		{"github.com/acme/shop.(*Shop).stock.func1", 54, 300, true, false},
		{"github.com/acme/shop.spawn", 9, 350, false, true},
		{"internal/poll.runtime_pollWait", 351, 400, false, false},
	}
	for i, w := range want {
		s := sites[i]
		if s.Function != w.fn || s.Line != w.line || s.Count != w.count || s.Own != w.own || s.OwnCreator != w.ownBy {
			t.Errorf("site %d = %s:%d count %d own %v/%v; want %s:%d count %d own %v/%v",
				i, s.Function, s.Line, s.Count, s.Own, s.OwnCreator, w.fn, w.line, w.count, w.own, w.ownBy)
		}
	}
	// The readLoop's cause is named, and the heap says who sent the
	// requests.
	rl := sites[2]
	if rl.Cause == nil || rl.Cause.ID != "http-idle-connections" {
		t.Fatalf("readLoop cause = %+v", rl.Cause)
	}
	heap := []Site{
		{Function: "github.com/acme/shop.cache", Own: true, Bytes: 1 << 20},
		{Function: "github.com/acme/shop.(*Shop).stock.func1", File: "/src/shop/stock.go", Line: 54, Own: true, Bytes: 1 << 10,
			Cause: &diagnose.Cause{ID: "http-body-not-closed", Frame: diagnose.Frame{Function: "net/http.Get"},
				Caller: diagnose.Frame{Function: "github.com/acme/shop.(*Shop).stock.func1", File: "/src/shop/stock.go", Line: 54}}},
	}
	CallersFromHeap(sites, heap)
	if got := sites[2].Cause.Caller; got.Function != "github.com/acme/shop.(*Shop).stock.func1" || got.Line != 54 {
		t.Errorf("readLoop caller = %+v, want stock.func1:54", got)
	}
	if sites[0].Cause != nil && sites[0].Cause.Caller.Function != "" {
		t.Errorf("the handler's goroutine took a caller: %+v", sites[0].Cause)
	}
}

// Own code is decided from the target: the module cache, vendored code and
// GOROOT are not the user's, whatever the package's name; a dotless main
// module is, with its module path.
func TestOwnerDecides(t *testing.T) {
	const root = "/opt/go1.26/src/"
	leaf := "runtime.gopark@" + root + "runtime/proc.go:435;"
	tests := []struct {
		name   string
		stack  string
		module string
		want   string
	}{
		{"unlisted library in the module cache", leaf + "github.com/go-resty/resty/v2.(*Client).wait@" + modcache + "github.com/go-resty/resty/v2@v2.16.0/client.go:10;github.com/acme/shop.call@/src/shop/call.go:7",
			"", "github.com/acme/shop.call"},
		{"vendored library", leaf + "github.com/x/y.Wait@/src/shop/vendor/github.com/x/y/y.go:3;github.com/acme/shop.call@/src/shop/call.go:8",
			"", "github.com/acme/shop.call"},
		{"gin is not the user's by its file", leaf + "github.com/gin-gonic/gin.(*Context).Next@" + modcache + "github.com/gin-gonic/gin@v1.12.0/context.go:192;main.handler@/src/main.go:12",
			"", "main.handler"},
		// Library code inlined into the user's closure: the closure's own
		// line is the site.
		{"inlined sync.Mutex.Lock", leaf + "sync.runtime_SemacquireMutex@" + root + "runtime/sema.go:95;sync.(*Mutex).lockSlow@" + root + "sync/mutex.go:149;" +
			"sync.(*Mutex).Lock@" + root + "sync/mutex.go:70;main.handler.func1@/src/main.go:31", "", "main.handler.func1:31"},
		// A -trimpath binary: relative files; the main module by its path.
		{"trimpath, dotless module", "runtime.gopark@runtime/proc.go:435;myshop/api.wait@myshop/api/wait.go:4;main.main@myshop/main.go:2",
			"myshop", "myshop/api.wait"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			last := groupsOf(t, map[string]int{"chan receive|main.main@/src/main.go:1|" + tt.stack: 3})
			var opts []Option
			if tt.module != "" {
				opts = append(opts, WithOwnCode(Owner(diagnose.Owner{ModulePath: tt.module})))
			}
			sites := DiffGroups(nil, last, 0, opts...)
			if len(sites) != 1 {
				t.Fatalf("sites %+v", sites)
			}
			fn, line, _ := strings.Cut(tt.want, ":")
			if sites[0].Function != fn || !sites[0].Own || line != "" && fmt.Sprint(sites[0].Line) != line {
				t.Errorf("site %s:%d own %v, want %s", sites[0].Function, sites[0].Line, sites[0].Own, tt.want)
			}
		})
	}
}

// The runtime's records of new goroutines are marked, rank below the
// user's sites, and heap causes name the user's call.
func TestHeapSitesOwnerAndCauses(t *testing.T) {
	const (
		record  = "runtime.mallocgc;runtime.newobject;runtime.malg;runtime.newproc1;runtime.newproc.func1;runtime.systemstack"
		context = "context.withCancel;context.WithCancel;main.handle;net/http.HandlerFunc.ServeHTTP"
		library = "github.com/acme/lib.(*Pool).grow;github.com/acme/lib.(*Pool).Get"
	)
	base := heapProfile(1, map[string][2]int64{"main.keep": {10, 1}})
	last := heapProfile(1, map[string][2]int64{
		"main.keep": {10, 1},
		record:      {900000, 1000}, // the most bytes, but not the user's
		context:     {40000, 500},
		library:     {500000, 10}, // a library with no frame of the user's
	})
	sites, err := HeapSites(base, last, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) != 3 {
		t.Fatalf("sites %+v", sites)
	}
	if s := sites[0]; s.Function != "main.handle" || !s.Own || s.Cause == nil || s.Cause.ID != "context-not-cancelled" ||
		s.Cause.Frame.Function != "context.WithCancel" || s.Cause.Caller.Function != "main.handle" {
		t.Errorf("top site %+v (cause %+v), want main.handle with context-not-cancelled", s, s.Cause)
	}
	if s := sites[1]; s.Function != "runtime.mallocgc" || s.Own || !s.GoroutineRecord {
		t.Errorf("second site %+v, want the goroutine records", s)
	}
	// A library in the module cache, with more bytes than the user's
	// site, comes after it.
	if s := sites[2]; s.Function != "github.com/acme/lib.(*Pool).grow" || s.Own {
		t.Errorf("third site %+v", s)
	}
	// The same with summaries.
	bs, err := SummarizeHeap(base)
	if err != nil {
		t.Fatal(err)
	}
	ls, err := SummarizeHeap(last)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := DiffHeap(bs, ls, 0)
	if err != nil || len(ds) != 3 || ds[0].Function != "main.handle" || ds[0].Cause == nil || !ds[1].GoroutineRecord {
		t.Errorf("DiffHeap = %+v, %v", ds, err)
	}
}
