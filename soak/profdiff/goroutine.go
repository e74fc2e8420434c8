package profdiff

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Goroutine is one goroutine of a /debug/pprof/goroutine?debug=2 dump.
type Goroutine struct {
	ID          int64
	State       string  // wait reason without durations, e.g. "chan send", "select", "running"
	WaitMinutes int     // from "[chan send, 5 minutes]"; 0 when not shown
	Frames      []Frame // innermost first
	CreatedBy   Frame   // the go statement that started it; zero for the main goroutine
}

// headerRE matches goroutine headers: "goroutine 7 [chan send, 5 minutes]:"
// and the Go 1.23+ form "goroutine 1 gp=0xc000002380 m=nil [running]:".
var headerRE = regexp.MustCompile(`^goroutine (\d+)(?:\s[^\[]*)?\s*\[([^\]]*)\]:?\s*$`)

// minutesRE matches the wait duration inside a header's brackets.
var minutesRE = regexp.MustCompile(`^(\d+) minutes?$`)

// maxLine bounds a dump's line length.
const maxLine = 1 << 20

// ParseGoroutines parses the text format of /debug/pprof/goroutine?debug=2
// (the format of runtime.Stack(buf, true) and of a crash traceback): one
// block per goroutine, a header "goroutine 123 [chan send, 5 minutes]:",
// frames as a call line "pkg.fn(args)" followed by "\t/path/file.go:123
// +0x1d", and "created by pkg.fn in goroutine 45" with its file line.
//
// It is lenient: header variants ("gp=... m=..."), "...additional frames
// elided..." and "...N frames elided..." lines, label lines, fp=/sp= suffixes
// and text it does not know are skipped, and a truncated dump yields the
// goroutines read so far (a frame cut before its file line has File "" and
// Line 0). It returns an error, with what it parsed, when reading fails or
// a line exceeds 1 MiB, and an error when the input holds no goroutine at
// all (for instance debug=1 output or an HTML page).
func ParseGoroutines(r io.Reader) ([]Goroutine, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	var (
		out     []Goroutine
		cur     *Goroutine
		pending *Frame // the frame the next file line belongs to
	)
	flush := func() {
		if cur != nil {
			out = append(out, *cur)
			cur, pending = nil, nil
		}
	}
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if m := headerRE.FindStringSubmatch(line); m != nil {
			id, err := strconv.ParseInt(m[1], 10, 64)
			if err == nil {
				flush()
				cur = &Goroutine{ID: id}
				cur.State, cur.WaitMinutes = parseState(m[2])
				continue
			}
		}
		if cur == nil {
			continue
		}
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case line[0] == '\t' || line[0] == ' ':
			if pending != nil {
				pending.File, pending.Line = parseFileLine(line)
				pending = nil
			}
		case strings.HasPrefix(line, "created by "):
			fn := strings.TrimPrefix(line, "created by ")
			if i := strings.Index(fn, " in goroutine "); i >= 0 {
				fn = fn[:i]
			}
			cur.CreatedBy = Frame{Function: strings.TrimSpace(fn)}
			pending = &cur.CreatedBy
		case strings.HasPrefix(line, "..."):
			pending = nil // "...additional frames elided...", "...5 frames elided..."
		default:
			fn, ok := parseCall(line)
			if !ok || cur.CreatedBy.Function != "" {
				pending = nil
				continue
			}
			cur.Frames = append(cur.Frames, Frame{Function: fn})
			pending = &cur.Frames[len(cur.Frames)-1]
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return out, fmt.Errorf("parse goroutine dump: a line is longer than %d bytes", maxLine)
		}
		return out, fmt.Errorf("parse goroutine dump: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("parse goroutine dump: no goroutine found (want the output of /debug/pprof/goroutine?debug=2)")
	}
	return out, nil
}

// parseState splits "chan send, 5 minutes, locked to thread" into the wait
// reason and the minutes.
func parseState(s string) (state string, minutes int) {
	parts := strings.Split(s, ",")
	state = strings.TrimSpace(parts[0])
	for _, p := range parts[1:] {
		if m := minutesRE.FindStringSubmatch(strings.TrimSpace(p)); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil {
				minutes = n
			}
		}
	}
	return state, minutes
}

// parseCall returns the function of a call line "pkg.(*T).m(0x1, ...)".
func parseCall(line string) (string, bool) {
	if !strings.HasSuffix(line, ")") {
		return "", false
	}
	i := strings.LastIndexByte(line, '(')
	if i <= 0 {
		return "", false
	}
	return line[:i], true
}

// parseFileLine parses "\t/path/file.go:123 +0x1d" (optionally followed by
// " fp=... sp=... pc=...") into the path and the line.
func parseFileLine(line string) (string, int) {
	s := strings.TrimLeft(line, " \t")
	if i := strings.Index(s, " +0x"); i >= 0 {
		s = s[:i]
	} else if i := strings.Index(s, " fp="); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimRight(s, " ")
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		if n, err := strconv.Atoi(s[i+1:]); err == nil && n >= 0 {
			return s[:i], n
		}
	}
	return s, 0
}

// Group is the goroutines of a dump that share a stack (the sequence of
// function, file and line of every frame) and a created-by site.
type Group struct {
	Frames    []Frame
	CreatedBy Frame
	State     string // the most common state of its goroutines
	Count     int
}

// GroupGoroutines groups goroutines by stack and created-by site, largest
// group first (ties in a fixed order).
func GroupGoroutines(gs []Goroutine) []Group {
	type acc struct {
		g      Group
		states map[string]int
		first  int
	}
	byKey := map[string]*acc{}
	for i, g := range gs {
		k := stackKey(g.Frames, g.CreatedBy)
		a := byKey[k]
		if a == nil {
			a = &acc{
				g:      Group{Frames: slices.Clone(g.Frames), CreatedBy: g.CreatedBy},
				states: map[string]int{},
				first:  i,
			}
			byKey[k] = a
		}
		a.g.Count++
		a.states[g.State]++
	}
	accs := make([]*acc, 0, len(byKey))
	for _, a := range byKey {
		best := -1
		for s, n := range a.states {
			if n > best || n == best && s < a.g.State {
				a.g.State, best = s, n
			}
		}
		accs = append(accs, a)
	}
	slices.SortFunc(accs, func(a, b *acc) int {
		if c := cmp.Compare(b.g.Count, a.g.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.first, b.first)
	})
	out := make([]Group, len(accs))
	for i, a := range accs {
		out[i] = a.g
	}
	return out
}

func stackKey(frames []Frame, createdBy Frame) string {
	var b strings.Builder
	for _, f := range frames {
		fmt.Fprintf(&b, "%s\x00%s\x00%d\x00", f.Function, f.File, f.Line)
	}
	fmt.Fprintf(&b, "\x01%s\x00%s\x00%d", createdBy.Function, createdBy.File, createdBy.Line)
	return b.String()
}

// GoroutineSite is a stack whose goroutine count grew between two dumps.
type GoroutineSite struct {
	// Function, File and Line are the first frame of the stack, from the
	// top, for which OwnCode is true — where your goroutine is stuck or
	// what of yours it is waiting in; the top frame when no frame is own
	// code, and CreatedBy when the stack is empty.
	Function string
	File     string
	Line     int
	State    string // e.g. "chan send", "select", "IO wait"
	// Count is the growth: goroutines with this stack in the last dump
	// minus those in the base dump. Total is the count in the last dump.
	Count, Total int
	CreatedBy    Frame   // the go statement that started them
	Frames       []Frame // the whole stack, innermost first
}

// GoroutineSites groups both dumps (GroupGoroutines) and returns the top
// groups (all when top ≤ 0) that have more goroutines in last than in base,
// largest growth first.
func GoroutineSites(base, last []Goroutine, top int) []GoroutineSite {
	before := map[string]int{}
	for _, g := range GroupGoroutines(base) {
		before[stackKey(g.Frames, g.CreatedBy)] = g.Count
	}
	var sites []GoroutineSite
	for _, g := range GroupGoroutines(last) {
		growth := g.Count - before[stackKey(g.Frames, g.CreatedBy)]
		if growth <= 0 {
			continue
		}
		at := g.CreatedBy
		if len(g.Frames) > 0 {
			at = g.Frames[0]
		}
		for _, f := range g.Frames {
			if OwnCode(f.Function) {
				at = f
				break
			}
		}
		sites = append(sites, GoroutineSite{
			Function: at.Function, File: at.File, Line: at.Line,
			State: g.State, Count: growth, Total: g.Count,
			CreatedBy: g.CreatedBy, Frames: g.Frames,
		})
	}
	// GroupGoroutines' order is deterministic; a stable sort keeps it for ties.
	slices.SortStableFunc(sites, func(a, b GoroutineSite) int { return cmp.Compare(b.Count, a.Count) })
	if top > 0 && len(sites) > top {
		sites = sites[:top]
	}
	return sites
}
