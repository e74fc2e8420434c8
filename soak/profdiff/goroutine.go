package profdiff

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/ginleak/ginleak/soak/diagnose"
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

// maxFramesPerGoroutine bounds the frames kept per goroutine (the runtime
// elides frames beyond 100 itself).
const maxFramesPerGoroutine = 1024

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
	var out []Goroutine
	err := scanGoroutines(r, func(g Goroutine) error {
		out = append(out, g)
		return nil
	})
	if err != nil && len(out) == 0 {
		return nil, err
	}
	return out, err
}

// scanGoroutines parses a dump as ParseGoroutines does and hands each
// goroutine to f as soon as it is complete, holding no more than one in
// memory. f's Frames are its own. An error of f ends the scan.
func scanGoroutines(r io.Reader, f func(Goroutine) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), maxLine)
	var (
		cur     *Goroutine
		pending *Frame // the frame the next file line belongs to
		n       int
	)
	flush := func() error {
		if cur == nil {
			return nil
		}
		g := *cur
		cur, pending = nil, nil
		n++
		return f(g)
	}
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if m := headerRE.FindStringSubmatch(line); m != nil {
			id, err := strconv.ParseInt(m[1], 10, 64)
			if err == nil {
				if err := flush(); err != nil {
					return err
				}
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
			if err := flush(); err != nil {
				return err
			}
		case line[0] == '\t' || line[0] == ' ':
			if pending != nil {
				file, ln := parseFileLine(line)
				pending.File, pending.Line = shortName(file), ln
				pending = nil
			}
		case strings.HasPrefix(line, "created by "):
			fn := strings.TrimPrefix(line, "created by ")
			if i := strings.Index(fn, " in goroutine "); i >= 0 {
				fn = fn[:i]
			}
			cur.CreatedBy = Frame{Function: shortName(strings.TrimSpace(fn))}
			pending = &cur.CreatedBy
		case strings.HasPrefix(line, "..."):
			pending = nil // "...additional frames elided...", "...5 frames elided..."
		default:
			fn, ok := parseCall(line)
			if !ok || cur.CreatedBy.Function != "" || len(cur.Frames) >= maxFramesPerGoroutine {
				pending = nil
				continue
			}
			cur.Frames = append(cur.Frames, Frame{Function: shortName(fn)})
			pending = &cur.Frames[len(cur.Frames)-1]
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("parse goroutine dump: a line is longer than %s: %w", Size(maxLine), ErrTooLarge)
		}
		return fmt.Errorf("parse goroutine dump: %w", err)
	}
	if n == 0 {
		return errors.New("parse goroutine dump: no goroutine found (want the output of /debug/pprof/goroutine?debug=2)")
	}
	return nil
}

// maxName bounds the length of a function or file name kept from a dump.
const maxName = 4096

// shortName returns s, or a copy of its first maxName bytes when it is
// longer, so that a hostile dump's megabyte-long names neither pin their
// whole lines in memory nor add up.
func shortName(s string) string {
	if len(s) <= maxName {
		return s
	}
	return strings.Clone(s[:maxName])
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
	gr := newGrouper(groupLimits{})
	for _, g := range gs {
		_ = gr.add(g) // no limits: no error
	}
	return gr.groups()
}

// groupLimits bound a grouper's memory; zero fields mean no bound.
type groupLimits struct {
	stacks      int   // distinct stacks
	frames      int   // frames stored, over all distinct stacks
	stringBytes int64 // bytes of distinct function and file names
}

// grouper groups goroutines one at a time, keeping one copy of each
// distinct stack and of each name.
type grouper struct {
	lim    groupLimits
	byKey  map[[sha256.Size]byte]*groupAcc
	names  map[string]string
	frames int
	bytes  int64
	n      int
}

type groupAcc struct {
	g      Group
	states map[string]int
	first  int
}

func newGrouper(lim groupLimits) *grouper {
	return &grouper{lim: lim, byKey: map[[sha256.Size]byte]*groupAcc{}, names: map[string]string{}}
}

func (gr *grouper) add(g Goroutine) error {
	k := stackKey(g.Frames, g.CreatedBy)
	a := gr.byKey[k]
	if a == nil {
		if gr.lim.stacks > 0 && len(gr.byKey) >= gr.lim.stacks {
			return fmt.Errorf("goroutine dump has more than %d distinct stacks: %w", gr.lim.stacks, ErrTooLarge)
		}
		if gr.lim.frames > 0 && gr.frames+len(g.Frames) > gr.lim.frames {
			return fmt.Errorf("goroutine dump has more than %d frames in distinct stacks: %w", gr.lim.frames, ErrTooLarge)
		}
		gr.frames += len(g.Frames)
		frames := make([]Frame, len(g.Frames))
		for i, f := range g.Frames {
			frames[i] = gr.intern(f)
		}
		a = &groupAcc{
			g:      Group{Frames: frames, CreatedBy: gr.intern(g.CreatedBy)},
			states: map[string]int{},
			first:  gr.n,
		}
		gr.byKey[k] = a
		if gr.lim.stringBytes > 0 && gr.bytes > gr.lim.stringBytes {
			return fmt.Errorf("goroutine dump has more than %s of distinct names: %w", Size(gr.lim.stringBytes), ErrTooLarge)
		}
	}
	gr.n++
	a.g.Count++
	if _, ok := a.states[g.State]; !ok && len(a.states) >= maxStates {
		return nil // a state seen by few goroutines of a huge group: not the most common
	}
	a.states[g.State]++
	return nil
}

// maxStates bounds the wait states counted per group.
const maxStates = 64

func (gr *grouper) intern(f Frame) Frame {
	f.Function = gr.name(f.Function)
	f.File = gr.name(f.File)
	return f
}

func (gr *grouper) name(s string) string {
	if v, ok := gr.names[s]; ok {
		return v
	}
	s = strings.Clone(s) // do not pin the scanner's line
	gr.names[s] = s
	gr.bytes += int64(len(s))
	return s
}

func (gr *grouper) groups() []Group {
	accs := make([]*groupAcc, 0, len(gr.byKey))
	for _, a := range gr.byKey {
		best := -1
		for s, n := range a.states {
			if n > best || n == best && s < a.g.State {
				a.g.State, best = s, n
			}
		}
		accs = append(accs, a)
	}
	slices.SortFunc(accs, func(a, b *groupAcc) int {
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

// Bounds of ReadGoroutineGroups: far above a real service (a few thousand
// distinct stacks even with a million goroutines), low enough that two
// dumps stay within about 150 MB of memory whatever the service sends.
const (
	MaxGoroutineStacks    = 100_000
	MaxGoroutineFrames    = 1_000_000
	MaxGoroutineNameBytes = 32 << 20
)

// ReadGoroutineGroups parses a /debug/pprof/goroutine?debug=2 dump from r
// as it is read and groups it (GroupGoroutines) without holding the dump
// or its goroutines: memory grows with the number of distinct stacks, not
// with the number of goroutines. It fails, wrapping ErrTooLarge, when a
// line exceeds 1 MiB or the dump holds more than MaxGoroutineStacks
// distinct stacks, MaxGoroutineFrames frames in them or
// MaxGoroutineNameBytes of distinct names.
func ReadGoroutineGroups(r io.Reader) ([]Group, error) {
	gr := newGrouper(groupLimits{stacks: MaxGoroutineStacks, frames: MaxGoroutineFrames, stringBytes: MaxGoroutineNameBytes})
	err := scanGoroutines(r, func(g Goroutine) error {
		return gr.add(g)
	})
	if err != nil {
		return nil, err
	}
	return gr.groups(), nil
}

// stackKey identifies a stack and created-by site by a SHA-256 of their
// names and lines: a fixed 32 bytes however deep the stack and however
// long its names.
func stackKey(frames []Frame, createdBy Frame) [sha256.Size]byte {
	h := sha256.New()
	var num [8]byte
	put := func(f Frame) {
		io.WriteString(h, f.Function)
		h.Write([]byte{0})
		io.WriteString(h, f.File)
		binary.LittleEndian.PutUint64(num[:], uint64(f.Line))
		h.Write(num[:])
	}
	for _, f := range frames {
		put(f)
	}
	h.Write([]byte{1})
	put(createdBy)
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// GoroutineSite is a stack whose goroutine count grew between two dumps.
type GoroutineSite struct {
	// Function, File and Line are the first frame of the stack, from the
	// top, in the target's own code (WithOwnCode) — where your goroutine
	// is stuck or what of yours it is waiting in; CreatedBy when no frame
	// of the stack is own code but the go statement is; the top frame
	// outside the runtime when neither is, and CreatedBy when the stack is
	// empty.
	Function string
	File     string
	Line     int
	State    string // e.g. "chan send", "select", "IO wait"
	// Count is the growth: goroutines with this stack in the last dump
	// minus those in the base dump. Total is the count in the last dump.
	Count, Total int
	CreatedBy    Frame   // the go statement that started them
	Frames       []Frame // the whole stack, innermost first
	// Own tells whether a frame of the stack is the target's own code;
	// OwnCreator whether, failing that, the go statement is. Sites with
	// own frames come first, then those with an own creator.
	Own, OwnCreator bool
	// Cause is the known cause of such stacks (diagnose.ForGoroutine), nil
	// when the table knows none. Its Caller is unset: CallersFromHeap
	// finds it in the heap sites.
	Cause *diagnose.Cause
}

// GoroutineSites groups both dumps (GroupGoroutines) and returns the top
// groups (all when top ≤ 0) that have more goroutines in last than in base,
// ranked as DiffGroups does.
func GoroutineSites(base, last []Goroutine, top int, opts ...Option) []GoroutineSite {
	return DiffGroups(GroupGoroutines(base), GroupGoroutines(last), top, opts...)
}

// DiffGroups is GoroutineSites on grouped dumps (GroupGoroutines,
// ReadGoroutineGroups). Sites whose stack has a frame of the target's own
// code come first, then those its code started, then the rest (a
// net/http connection goroutine must not hide the handler's goroutine
// that waits on it); largest growth first within each. Without
// WithOwnCode, the GOROOT is found in the dumps.
func DiffGroups(baseGroups, lastGroups []Group, top int, opts ...Option) []GoroutineSite {
	o := applyOptions(opts, func() string {
		if r := GOROOTOf(lastGroups); r != "" {
			return r
		}
		return GOROOTOf(baseGroups)
	})
	before := map[[sha256.Size]byte]int{}
	for _, g := range baseGroups {
		before[stackKey(g.Frames, g.CreatedBy)] = g.Count
	}
	var sites []GoroutineSite
	for _, g := range lastGroups {
		growth := g.Count - before[stackKey(g.Frames, g.CreatedBy)]
		if growth <= 0 {
			continue
		}
		s := GoroutineSite{State: g.State, Count: growth, Total: g.Count, CreatedBy: g.CreatedBy, Frames: g.Frames}
		at := g.CreatedBy
		if len(g.Frames) > 0 {
			at = g.Frames[0]
		}
		for _, f := range g.Frames { // runtime.gopark says nothing
			if !isRuntime(f.Function) {
				at = f
				break
			}
		}
		for _, f := range g.Frames {
			if o.own(f) {
				at, s.Own = f, true
				break
			}
		}
		if !s.Own && g.CreatedBy.Function != "" && o.own(g.CreatedBy) {
			at, s.OwnCreator = g.CreatedBy, true
		}
		s.Function, s.File, s.Line = at.Function, at.File, at.Line
		if c, ok := diagnose.ForGoroutine(diagnose.Goroutine{
			State: g.State, Frames: toDiagnose(g.Frames), CreatedBy: diagnose.Frame(g.CreatedBy),
		}); ok {
			s.Cause = &c
		}
		sites = append(sites, s)
	}
	// GroupGoroutines' order is deterministic; a stable sort keeps it for ties.
	slices.SortStableFunc(sites, func(a, b GoroutineSite) int {
		if c := cmp.Compare(ownRank(b), ownRank(a)); c != 0 {
			return c
		}
		return cmp.Compare(b.Count, a.Count)
	})
	if top > 0 && len(sites) > top {
		sites = sites[:top]
	}
	return sites
}

func ownRank(s GoroutineSite) int {
	switch {
	case s.Own:
		return 2
	case s.OwnCreator:
		return 1
	}
	return 0
}

// CallersFromHeap sets, for the goroutine sites whose cause a call of the
// user's made but whose stack cannot show it (the goroutines of an HTTP
// client connection are started by the Transport), the cause's Caller: the
// own frame of the first heap site (in the order given, largest growth
// first) whose cause is a call of the same rule's entry points
// (diagnose.Cause.WithCallerFrom). It changes gs in place.
func CallersFromHeap(gs []GoroutineSite, heap []Site) {
	// The heap sites' causes are reduced to the two frames that decide
	// them: the library call and the user's frame that made it.
	var stacks [][]diagnose.Frame
	callers := map[diagnose.Frame]bool{}
	for _, h := range heap {
		if h.Cause == nil || !h.Own {
			continue
		}
		stacks = append(stacks, []diagnose.Frame{h.Cause.Frame, h.Cause.Caller})
		callers[h.Cause.Caller] = true
	}
	if len(stacks) == 0 {
		return
	}
	own := func(f diagnose.Frame) bool { return callers[f] }
	for i := range gs {
		// A site in the user's own code already names the frame that made
		// the call (a goroutine waiting in roundTrip is the caller itself).
		if gs[i].Cause == nil || gs[i].Cause.Caller.Function != "" || gs[i].Own {
			continue
		}
		c := gs[i].Cause.WithCallerFrom(stacks, own)
		gs[i].Cause = &c
	}
}
