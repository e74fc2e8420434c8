package leakprofile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The captures in testdata are what Go 1.27.3's runtime/pprof wrote:
// leakyshop after 50 requests to /leaky/shipping/quote, and a program
// that leaks on channel sends (3 plain, 1 with pprof labels), on
// sync.WaitGroup.Wait in a recursion (2) and in a select (1).
func TestParseCaptures(t *testing.T) {
	tests := []struct {
		file       string
		leaked     int
		stacks     int
		topCount   int
		topFrame   Frame
		deepFrames int // frames of the deepest stack
	}{
		{
			file: "leakyshop-go1.27.3.txt", leaked: 50, stacks: 1, topCount: 50,
			topFrame: Frame{
				Function: "github.com/ginleak/ginleak/examples/leakyshop/shop.(*Shop).leakyShippingQuote.func1",
				File:     "/work/main/examples/leakyshop/shop/case3_chanleak.go", Line: 37,
			},
			deepFrames: 1,
		},
		{
			// The labelled record and the plain one have the same frames:
			// one stack of 4.
			file: "mixed-go1.27.3.txt", leaked: 7, stacks: 3, topCount: 4,
			topFrame:   Frame{Function: "main.leak.func1", File: "/tmp/glp/main.go", Line: 14},
			deepFrames: 6,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res, err := Parse(strings.NewReader(readTestdata(t, tt.file)))
			if err != nil {
				t.Fatal(err)
			}
			if !res.Available || res.Leaked != tt.leaked || len(res.Stacks) != tt.stacks || res.Other != 0 {
				t.Fatalf("got available=%v leaked=%d stacks=%d other=%d, want true %d %d 0",
					res.Available, res.Leaked, len(res.Stacks), res.Other, tt.leaked, tt.stacks)
			}
			if top := res.Stacks[0]; top.Count != tt.topCount || top.Frames[0] != tt.topFrame {
				t.Errorf("top stack = %d × %v, want %d × %v", top.Count, top.Frames[0], tt.topCount, tt.topFrame)
			}
			deep := 0
			for _, s := range res.Stacks {
				deep = max(deep, len(s.Frames))
			}
			if deep != tt.deepFrames {
				t.Errorf("deepest stack has %d frames, want %d", deep, tt.deepFrames)
			}
		})
	}
}

func TestParseWellFormedVariants(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		leaked int
		frames []Frame // of the first stack
	}{
		{"empty profile", "goroutineleak profile: total 0\n", 0, nil},
		{"no final blank line", "goroutineleak profile: total 2\n2 @ 0x1 0x2\n#\t0x1\tpkg.f+0x1\t/a/b.go:3\n", 2,
			[]Frame{{"pkg.f", "/a/b.go", 3}}},
		{"tabwriter padding and unnamed frame", "goroutineleak profile: total 1\n1 @ 0x1 0x2\n#\t0x1\tpkg.f+0x1\t\t\t/a/b c.go:3\n#\t0x2\n\n", 1,
			[]Frame{{"pkg.f", "/a/b c.go", 3}, {Function: "?"}}},
		{"generic function", "goroutineleak profile: total 1\n1 @ 0x1\n#\t0x1\tpkg.F[...]+0x1c\t/a/b.go:9\n\n", 1,
			[]Frame{{"pkg.F[...]", "/a/b.go", 9}}},
		{"windows path", "goroutineleak profile: total 1\n1 @ 0x1\n#\t0x1\tpkg.f+0x1\tC:/src/a.go:9\n\n", 1,
			[]Frame{{"pkg.f", "C:/src/a.go", 9}}},
		{"labels merged", "goroutineleak profile: total 3\n1 @ 0x1\n# labels: {\"a\":\"b\"}\n#\t0x1\tpkg.f+0x1\t/a.go:1\n\n2 @ 0x1\n#\t0x1\tpkg.f+0x1\t/a.go:1\n\n", 3,
			[]Frame{{"pkg.f", "/a.go", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(strings.NewReader(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if res.Leaked != tt.leaked {
				t.Errorf("leaked = %d, want %d", res.Leaked, tt.leaked)
			}
			if tt.frames == nil {
				if len(res.Stacks) != 0 {
					t.Errorf("stacks = %v, want none", res.Stacks)
				}
				return
			}
			if len(res.Stacks) != 1 || fmt.Sprint(res.Stacks[0].Frames) != fmt.Sprint(tt.frames) {
				t.Errorf("stacks = %+v, want one with %v", res.Stacks, tt.frames)
			}
		})
	}
}

// Nothing a target sends is trusted: every answer that is not the
// profile is an error, never a count.
func TestParseMalformed(t *testing.T) {
	const h = "goroutineleak profile: total 1\n"
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrMalformed},
		{"html index", "<html><head><title>/debug/pprof/</title>", ErrMalformed},
		{"goroutine profile", "goroutine profile: total 4\n4 @ 0x1\n#\t0x1\tpkg.f+0x1\t/a.go:1\n", ErrMalformed},
		{"binary", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", ErrMalformed},
		{"negative total", "goroutineleak profile: total -1\n", ErrMalformed},
		{"huge total", "goroutineleak profile: total 99999999999999999999\n", ErrMalformed},
		{"total too high", "goroutineleak profile: total 2\n1 @ 0x1\n#\t0x1\tpkg.f+0x1\t/a.go:1\n", ErrMalformed},
		{"total too low", h + "2 @ 0x1\n#\t0x1\tpkg.f+0x1\t/a.go:1\n", ErrMalformed},
		{"count overflow", "goroutineleak profile: total 1073741824\n1073741824 @ 0x1\n#\t0x1\tpkg.f+0x1\t/a.go:1\n\n1 @ 0x1\n#\t0x1\tpkg.g+0x1\t/a.go:1\n", ErrMalformed},
		{"zero count", "goroutineleak profile: total 0\n0 @ 0x1\n#\t0x1\tpkg.f+0x1\t/a.go:1\n", ErrMalformed},
		{"record without frames", h + "1 @ 0x1\n\n", ErrMalformed},
		{"frame outside record", h + "#\t0x1\tpkg.f+0x1\t/a.go:1\n", ErrMalformed},
		{"labels after frames", h + "1 @ 0x1\n#\t0x1\tpkg.f+0x1\t/a.go:1\n# labels: {}\n", ErrMalformed},
		{"frame without file", h + "1 @ 0x1\n#\t0x1\tpkg.f+0x1\n", ErrMalformed},
		{"frame with bad line", h + "1 @ 0x1\n#\t0x1\tpkg.f+0x1\t/a.go:x\n", ErrMalformed},
		{"frame with huge line", h + "1 @ 0x1\n#\t0x1\tpkg.f+0x1\t/a.go:99999999999\n", ErrMalformed},
		{"frame without pc", h + "1 @ 0x1\n#\tpkg.f+0x1\t/a.go:1\n", ErrMalformed},
		{"frame with extra field", h + "1 @ 0x1\n#\t0x1\tpkg.f+0x1\t/a.go:1\tx\n", ErrMalformed},
		{"comment", h + "1 @ 0x1\n# hello\n", ErrMalformed},
		{"stray text", h + "1 @ 0x1\n#\t0x1\tpkg.f+0x1\t/a.go:1\n\nhello\n", ErrMalformed},
		{"long line", h + "1 @ 0x1\n#\t0x1\t" + strings.Repeat("x", maxLine) + "+0x1\t/a.go:1\n", ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Parse(strings.NewReader(tt.in))
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if res.Available || res.Leaked != 0 {
				t.Errorf("result %+v with an error", res)
			}
		})
	}
}

// A profile of more distinct stacks than MaxStacks keeps MaxStacks and
// counts the rest; deep stacks keep MaxFrames frames; more distinct names
// than maxNameBytes is an error.
func TestParseBounds(t *testing.T) {
	t.Run("stacks", func(t *testing.T) {
		n := MaxStacks + 50
		var b strings.Builder
		fmt.Fprintf(&b, "goroutineleak profile: total %d\n", n+1)
		fmt.Fprintf(&b, "2 @ 0x1\n#\t0x1\tpkg.hot+0x1\t/a.go:1\n\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, "1 @ 0x1\n#\t0x1\tpkg.f%d+0x1\t/a.go:1\n\n", i)
		}
		res, err := Parse(strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Stacks) != MaxStacks || res.Other != 50 || res.Leaked != n+1 {
			t.Errorf("stacks=%d other=%d leaked=%d, want %d, 50, %d", len(res.Stacks), res.Other, res.Leaked, MaxStacks, n+1)
		}
		if res.Stacks[0].Count != 2 || res.Stacks[0].Frames[0].Function != "pkg.hot" {
			t.Errorf("top stack = %+v, want pkg.hot × 2", res.Stacks[0])
		}
	})
	t.Run("frames", func(t *testing.T) {
		var b strings.Builder
		b.WriteString("goroutineleak profile: total 1\n1 @ 0x1\n")
		for i := range 10 * MaxFrames {
			fmt.Fprintf(&b, "#\t0x1\tpkg.f%d+0x1\t/a.go:1\n", i)
		}
		res, err := Parse(strings.NewReader(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		if got := len(res.Stacks[0].Frames); got != MaxFrames || res.Stacks[0].Frames[0].Function != "pkg.f0" {
			t.Errorf("kept %d frames starting %v, want %d from pkg.f0", got, res.Stacks[0].Frames[0], MaxFrames)
		}
	})
	t.Run("names", func(t *testing.T) {
		long := strings.Repeat("n", 200<<10)
		var b strings.Builder
		n := maxNameBytes/len(long) + 2
		fmt.Fprintf(&b, "goroutineleak profile: total %d\n", n)
		for i := range n {
			fmt.Fprintf(&b, "1 @ 0x1\n#\t0x1\tpkg.%s%d+0x1\t/a.go:1\n\n", long, i)
		}
		_, err := Parse(strings.NewReader(b.String()))
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("err = %v, want ErrTooLarge", err)
		}
	})
}
