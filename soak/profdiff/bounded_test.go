package profdiff

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

// gzipBomb returns a gzip stream of n members, each 16 MiB of zeros
// compressed to about 16 KB: gzip.Reader reads the members one after the
// other, so the stream expands to n×16 MiB.
func gzipBomb(t *testing.T, n int) []byte {
	t.Helper()
	var member bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&member, gzip.BestCompression)
	if _, err := zw.Write(make([]byte, 16<<20)); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return bytes.Repeat(member.Bytes(), n)
}

func realHeapProfile(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestReadHeapProfile(t *testing.T) {
	real := realHeapProfile(t)
	p, err := ReadHeapProfile(bytes.NewReader(real))
	if err != nil || len(p.SampleType) == 0 {
		t.Fatalf("real heap profile: %v", err)
	}
	raw, err := gzip.NewReader(bytes.NewReader(real))
	if err != nil {
		t.Fatal(err)
	}
	uncompressed, _ := io.ReadAll(raw)
	if _, err := ReadHeapProfile(bytes.NewReader(uncompressed)); err != nil {
		t.Fatalf("uncompressed heap profile: %v", err)
	}

	tests := []struct {
		name string
		in   []byte
		max  int64
		want string
	}{
		// 1 MB of gzip that expands to 1 GiB: stopped at the bound.
		{"gzip bomb", gzipBomb(t, 64), 8 << 20, "the decompressed heap profile is larger than 8 MiB"},
		{"large as sent", bytes.Repeat([]byte{0x0a, 0x00}, 5<<20), 8 << 20, "the heap profile as sent is larger than 8 MiB"},
		// Newlines are what the legacy text parsers of profile.Parse split
		// on: refused before any of them runs.
		{"garbage lines", bytes.Repeat([]byte("\n"), 1<<20), 8 << 20, "not a protobuf heap profile"},
		{"html", []byte("<html>404</html>"), 8 << 20, "not a protobuf heap profile"},
		{"empty", nil, 8 << 20, "empty heap profile"},
		{"truncated gzip", real[:len(real)/2], 8 << 20, "read heap profile"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readHeapProfile(bytes.NewReader(tt.in), tt.max, MaxHeapProfileCost)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// labelled builds a profile of n samples that each carry a label: the
// input that decodes to the most memory per byte.
func labelled(n int) []byte {
	p := heapProfile(1, nil)
	fn := &profile.Function{ID: 1, Name: "main.f"}
	loc := &profile.Location{ID: 1, Line: []profile.Line{{Function: fn, Line: 1}}}
	p.Function, p.Location = []*profile.Function{fn}, []*profile.Location{loc}
	for i := range n {
		p.Sample = append(p.Sample, &profile.Sample{
			Location: []*profile.Location{loc}, Value: []int64{1, 1, 1, 1},
			Label: map[string][]string{"k": {"v"}}, NumLabel: map[string][]int64{"n": {int64(i % 3)}},
		})
	}
	var buf bytes.Buffer
	if err := p.WriteUncompressed(&buf); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// deep builds a profile of n samples with d locations each.
func deep(n, d int) []byte {
	p := heapProfile(1, nil)
	for i := range d {
		fn := &profile.Function{ID: uint64(i + 1), Name: fmt.Sprintf("main.f%d", i)}
		p.Function = append(p.Function, fn)
		p.Location = append(p.Location, &profile.Location{ID: uint64(i + 1), Line: []profile.Line{{Function: fn, Line: 1}}})
	}
	for range n {
		p.Sample = append(p.Sample, &profile.Sample{Location: p.Location, Value: []int64{1, 1, 1, 1}})
	}
	var buf bytes.Buffer
	if err := p.WriteUncompressed(&buf); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// The decoding-cost estimate is an upper bound of what decoding
// allocates, on the inputs that cost the most per byte: that is what
// makes MaxHeapProfileCost a bound on memory.
func TestDecodeCostBound(t *testing.T) {
	for _, tt := range []struct {
		name string
		data []byte
	}{
		{"labels", labelled(20000)},
		{"deep", deep(2000, 200)},
		{"wide", deep(50000, 1)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			est, err := decodeCost(tt.data)
			if err != nil {
				t.Fatal(err)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			p, err := profile.ParseUncompressed(tt.data)
			runtime.ReadMemStats(&after)
			if err != nil {
				t.Fatal(err)
			}
			runtime.KeepAlive(p)
			got := int64(after.TotalAlloc - before.TotalAlloc)
			t.Logf("%d bytes of protobuf: estimate %d, allocated %d (%.1f×)", len(tt.data), est, got, float64(got)/float64(len(tt.data)))
			if got > est {
				t.Errorf("decoding allocated %d bytes, more than the estimate %d", got, est)
			}
			if est > 4*got {
				t.Errorf("estimate %d is more than 4× what decoding allocated (%d): too pessimistic", est, got)
			}
		})
	}
	// Over the cost bound: refused before decoding.
	if _, err := readHeapProfile(bytes.NewReader(labelled(20000)), MaxHeapProfileBytes, 1<<20); !errors.Is(err, ErrTooLarge) ||
		!strings.Contains(err.Error(), "would take about") {
		t.Errorf("err = %v, want the decoding bound", err)
	}
}

// Summaries diff to the same sites as the profiles, and negative in-use
// values (which no Go runtime writes) are refused.
func TestDiffHeapMatchesHeapSites(t *testing.T) {
	base := heapProfile(512*1024, map[string][2]int64{
		"runtime.mallocgc;github.com/acme/shop.keep;net/http.(*conn).serve": {1000, 10},
		"encoding/json.Unmarshal;net/http.(*conn).serve":                    {4000, 40},
		"main.gone;net/http.(*conn).serve":                                  {3000, 3},
	})
	last := heapProfile(512*1024, map[string][2]int64{
		"runtime.mallocgc;github.com/acme/shop.keep;net/http.(*conn).serve":  {9000, 90},
		"runtime.growslice;github.com/acme/shop.keep;net/http.(*conn).serve": {2000, 1},
		"encoding/json.Unmarshal;net/http.(*conn).serve":                     {1000, 10},
		"main.new;net/http.(*conn).serve":                                    {100, 1},
	})
	want, err := HeapSites(base, last, 0)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := SummarizeHeap(base)
	if err != nil {
		t.Fatal(err)
	}
	sl, err := SummarizeHeap(last)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DiffHeap(sb, sl, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != 2 {
		t.Errorf("DiffHeap = %+v\nHeapSites = %+v", got, want)
	}
	if sl.Period != 512*1024 {
		t.Errorf("period %d", sl.Period)
	}
	neg := heapProfile(1, map[string][2]int64{"main.f": {-8 << 40, 1}})
	if _, err := SummarizeHeap(neg); err == nil || !strings.Contains(err.Error(), "negative in-use value (-8796093022208 bytes") {
		t.Errorf("negative values: %v", err)
	}
}

func TestReadGoroutineGroups(t *testing.T) {
	stop := make(chan struct{})
	defer close(stop)
	for range 50 {
		go func() { <-stop }()
	}
	dump := []byte(goroutineDump(t))
	gs, err := ParseGoroutines(bytes.NewReader(dump))
	if err != nil {
		t.Fatal(err)
	}
	streamed, err := ReadGoroutineGroups(bytes.NewReader(dump))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(streamed) != fmt.Sprint(GroupGoroutines(gs)) {
		t.Errorf("streamed groups differ from GroupGoroutines")
	}
	if streamed[0].Count < 50 {
		t.Errorf("largest group has %d goroutines, want the 50 waiting", streamed[0].Count)
	}
	if got := DiffGroups(nil, streamed, 1); len(got) != 1 || got[0].Count != streamed[0].Count {
		t.Errorf("DiffGroups = %+v", got)
	}

	// Hostile dumps: too many distinct stacks, one endless line.
	var many bytes.Buffer
	for i := range MaxGoroutineStacks + 1 {
		fmt.Fprintf(&many, "goroutine %d [select]:\nmain.f%d()\n\t/a.go:1 +0x1\n\n", i+1, i)
	}
	line := io.MultiReader(strings.NewReader("goroutine 1 [select]:\n"), io.LimitReader(endless{}, 2<<20))
	for _, tt := range []struct {
		name string
		r    io.Reader
		want string
	}{
		{"stacks", &many, "more than 100000 distinct stacks"},
		{"line", line, "a line is longer than 1 MiB"},
	} {
		_, err := ReadGoroutineGroups(tt.r)
		if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	// Half-megabyte names are cut, so they neither pin their lines nor add
	// up.
	bigName := "goroutine 1 [select]:\n" + strings.Repeat(strings.Repeat("f", 1<<19)+"()\n\t/a.go:1\n", 64)
	gr, err := ReadGoroutineGroups(strings.NewReader(bigName))
	if err != nil || len(gr) != 1 || len(gr[0].Frames) != 64 || len(gr[0].Frames[0].Function) != maxName {
		t.Errorf("long names: %v, want one group of 64 frames with names cut to %d bytes", err, maxName)
	}
}

// endless reads 'a' bytes forever, without a newline.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}
