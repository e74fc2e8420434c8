package profdiff

import (
	"bytes"
	"math"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// heapProfile builds a heap profile by hand: each stack is a list of
// functions, leaf first, each in file fixtureFile(function) at the line
// len(function).
func heapProfile(period int64, samples map[string][2]int64) *profile.Profile {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{
			{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"},
			{Type: "inuse_objects", Unit: "count"}, {Type: "inuse_space", Unit: "bytes"},
		},
		PeriodType: &profile.ValueType{Type: "space", Unit: "bytes"},
		Period:     period,
	}
	funcs := map[string]*profile.Function{}
	locs := map[string]*profile.Location{}
	for stack, v := range samples {
		s := &profile.Sample{Value: []int64{v[1], v[0], v[1], v[0]}} // alloc = inuse here
		for _, fn := range strings.Split(stack, ";") {
			f := funcs[fn]
			if f == nil {
				f = &profile.Function{ID: uint64(len(funcs) + 1), Name: fn, SystemName: fn, Filename: fixtureFile(fn)}
				funcs[fn] = f
				p.Function = append(p.Function, f)
			}
			l := locs[fn]
			if l == nil {
				l = &profile.Location{ID: uint64(len(locs) + 1), Line: []profile.Line{{Function: f, Line: int64(len(fn))}}}
				locs[fn] = l
				p.Location = append(p.Location, l)
			}
			s.Location = append(s.Location, l)
		}
		p.Sample = append(p.Sample, s)
	}
	return p
}

// fixtureFile is where a function of the hand-built profiles is: Gin and
// github.com/acme/lib in the module cache, everything else under /src (the standard library is
// recognised by its package name, as without a GOROOT).
func fixtureFile(fn string) string {
	if strings.HasPrefix(fn, "github.com/gin-gonic/") || strings.HasPrefix(fn, "github.com/acme/lib.") {
		return "/root/go/pkg/mod/" + fn + ".go"
	}
	return "/src/" + fn + ".go"
}

func TestHeapSitesSynthetic(t *testing.T) {
	const (
		growslice = "runtime.growslice"
		mallocgc  = "runtime.mallocgc"
		copyCtx   = "github.com/gin-gonic/gin.(*Context).Copy"
		handler   = "github.com/acme/shop.keepCopies.func1"
		cache     = "github.com/acme/shop.(*cache).put"
		unmarshal = "encoding/json.Unmarshal"
		serve     = "net/http.(*conn).serve"
	)
	base := heapProfile(512*1024, map[string][2]int64{
		mallocgc + ";" + copyCtx + ";" + handler + ";" + serve: {1000, 10}, // grows
		growslice + ";" + cache + ";" + serve:                  {500, 5},   // grows
		unmarshal + ";" + serve:                                {4000, 40}, // shrinks
		"main.stable;" + serve:                                 {7777, 7},  // unchanged
		"main.gone;" + serve:                                   {3000, 3},  // freed
	})
	last := heapProfile(512*1024, map[string][2]int64{
		mallocgc + ";" + copyCtx + ";" + handler + ";" + serve: {9000, 90},
		growslice + ";" + handler + ";" + serve:                {2000, 1}, // same own frame, other alloc frame
		growslice + ";" + cache + ";" + serve:                  {4500, 45},
		unmarshal + ";" + serve:                                {1000, 10},
		"main.stable;" + serve:                                 {7777, 7},
		"main.new;" + serve:                                    {100, 1},
	})
	before := base.Sample[0].Value[3]
	sites, err := HeapSites(base, last, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []Site{
		// 8000 via gin's Copy + 2000 appended directly = 10000.
		{Function: handler, File: "/src/" + handler + ".go", Line: len(handler),
			AllocFunction: copyCtx, AllocFile: fixtureFile(copyCtx), AllocLine: len(copyCtx),
			Bytes: 10000, Objects: 81, Own: true},
		{Function: cache, File: "/src/" + cache + ".go", Line: len(cache),
			AllocFunction: cache, AllocFile: "/src/" + cache + ".go", AllocLine: len(cache),
			Bytes: 4000, Objects: 40, Own: true},
		{Function: "main.new", File: "/src/main.new.go", Line: len("main.new"),
			AllocFunction: "main.new", AllocFile: "/src/main.new.go", AllocLine: len("main.new"),
			Bytes: 100, Objects: 1, Own: true},
	}
	if len(sites) != len(want) {
		t.Fatalf("got %d sites %+v, want %d", len(sites), sites, len(want))
	}
	for i := range want {
		if sites[i] != want[i] {
			t.Errorf("site %d:\n got %+v\nwant %+v", i, sites[i], want[i])
		}
	}
	if top, _ := HeapSites(base, last, 1); len(top) != 1 || top[0] != want[0] {
		t.Errorf("top 1: %+v", top)
	}
	if base.Sample[0].Value[3] != before || len(base.Sample) != 5 || len(last.Sample) != 6 {
		t.Errorf("inputs were modified")
	}
	// A profile diffed with itself has no growing site.
	if s, err := HeapSites(last, last, 0); err != nil || len(s) != 0 {
		t.Errorf("self diff: %+v, %v", s, err)
	}
	// Hand-built profiles without a period type still diff.
	base.PeriodType, last.PeriodType = nil, nil
	if s, err := HeapSites(base, last, 0); err != nil || len(s) != 3 {
		t.Errorf("no period type: %+v, %v", s, err)
	}
	base.PeriodType = &profile.ValueType{Type: "space", Unit: "bytes"}
	if s, err := HeapSites(base, last, 0); err != nil || len(s) != 3 {
		t.Errorf("one period type: %+v, %v", s, err)
	}
}

func TestHeapSitesErrors(t *testing.T) {
	good := heapProfile(1, map[string][2]int64{"main.f": {1, 1}})
	cpu := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
	}
	cpu2 := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}},
		PeriodType: &profile.ValueType{Type: "space", Unit: "bytes"},
	}
	nilLoc := heapProfile(1, map[string][2]int64{"main.f": {1, 1}})
	nilLoc.Sample[0].Location = append(nilLoc.Sample[0].Location, nil)
	nilType := heapProfile(1, nil)
	nilType.SampleType[2] = nil
	shortValues := heapProfile(1, map[string][2]int64{"main.f": {1, 1}})
	shortValues.Sample[0].Value = shortValues.Sample[0].Value[:1]
	tests := []struct {
		name       string
		base, last *profile.Profile
		want       string
	}{
		{"nil base", nil, good, "missing"},
		{"nil last", good, nil, "missing"},
		{"cpu profiles", cpu, cpu, "not a heap profile"},
		{"different types", good, cpu2, "incompatible"},
		{"nil location", good, nilLoc, "last profile"},
		{"nil sample type", nilType, good, "base profile"},
		{"short values", shortValues, good, "mismatch"},
	}
	for _, tt := range tests {
		sites, err := HeapSites(tt.base, tt.last, 5)
		if err == nil || !strings.Contains(err.Error(), tt.want) || sites != nil {
			t.Errorf("%s: got %v, %v; want an error containing %q", tt.name, sites, err, tt.want)
		}
	}
}

// heapLeakSink keeps what leakForHeapTest allocated alive.
type heapLeakSink struct{ bufs [][]byte }

// leakForHeapTest is the allocation site the live test must find.
//
//go:noinline
func leakForHeapTest(s *heapLeakSink, n int) {
	for range n {
		s.bufs = append(s.bufs, make([]byte, 1000))
	}
}

func writeHeap(t *testing.T) *profile.Profile {
	t.Helper()
	runtime.GC() // publishes the heap profile as of now
	var buf bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A real heap profile pair from this process: the function that allocated
// between them is the top site. Not parallel: MemProfileRate is global.
func TestHeapSitesLive(t *testing.T) {
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	defer func() { runtime.MemProfileRate = old }()

	base := writeHeap(t)
	if got := SamplingRate(base); got != 1 {
		t.Errorf("SamplingRate = %d, want 1", got)
	}
	sink := &heapLeakSink{}
	const n = 2000
	leakForHeapTest(sink, n)
	last := writeHeap(t)
	runtime.KeepAlive(sink)

	sites, err := HeapSites(base, last, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(sites) == 0 {
		t.Fatal("no growing site")
	}
	s := sites[0]
	if !strings.HasSuffix(s.Function, "/soak/profdiff.leakForHeapTest") ||
		s.AllocFunction != s.Function || !strings.HasSuffix(s.File, "heap_test.go") || s.Line == 0 {
		t.Errorf("top site %+v, want leakForHeapTest in heap_test.go", s)
	}
	// 1000-byte objects sit in the 1024-byte size class.
	if s.Bytes < n*1000 || s.Bytes > n*1100 || s.Objects < n || s.Objects > n+10 {
		t.Errorf("top site grew %d bytes in %d objects, want about %d in %d", s.Bytes, s.Objects, n*1024, n)
	}
}

func TestSamplingAdvice(t *testing.T) {
	tests := []struct {
		name     string
		rate     int64
		bpr      float64
		requests int64
		coarse   bool
	}{
		{"default rate, 64 B x 20k", 512 * 1024, 64, 20000, true}, // ~2.4 samples
		{"recommended rate, 64 B x 20k", 4096, 64, 20000, false},  // ~312 samples
		{"default rate, 1 KB x 20k", 512 * 1024, 1024, 20000, false},
		{"default rate, just below", 512 * 1024, 500, 20000, true}, // ~19 samples
		{"profiling off", 0, 64, 20000, true},
		{"no leak", 512 * 1024, 0, 20000, false},
		{"NaN", 512 * 1024, math.NaN(), 20000, false},
		{"no requests", 512 * 1024, 64, 0, false},
	}
	for _, tt := range tests {
		coarse, advice := SamplingAdvice(tt.rate, tt.bpr, tt.requests)
		if coarse != tt.coarse || coarse != (advice != "") {
			t.Errorf("%s: got %v %q", tt.name, coarse, advice)
		}
		if coarse && (!strings.Contains(advice, "GODEBUG=memprofilerate=4096") ||
			!strings.Contains(advice, "runtime.MemProfileRate = 4096")) {
			t.Errorf("%s: advice %q lacks the fix", tt.name, advice)
		}
	}
	if SamplingRate(nil) != 0 || SamplingRate(&profile.Profile{Period: 524288}) != 524288 {
		t.Error("SamplingRate")
	}
}
