package leakprofile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Bounds of a reading. The profile comes from the service under test,
// which may be broken or hostile; these keep a reading within a few tens
// of MB of memory whatever it sends, and are far above what real leak
// profiles need (one record per distinct leaked stack: a few KB).
const (
	// MaxBytes bounds the answer as sent and after a gzip
	// Content-Encoding is undone.
	MaxBytes = 64 << 20
	// MaxStacks bounds the distinct stacks kept; the goroutines of the
	// others are counted in Result.Other.
	MaxStacks = 1000
	// MaxFrames bounds the frames kept per stack, from the blocked call
	// outwards; the outer frames of deeper stacks are dropped.
	MaxFrames = 64
	// maxLine bounds one line of the text form (a frame with a long
	// generic function name and path is well under 4 KiB).
	maxLine = 256 << 10
	// maxNameBytes bounds the distinct function and file names kept.
	maxNameBytes = 8 << 20
	// maxCount bounds a record's count and the total: more goroutines
	// than any process can hold is a lie.
	maxCount = 1 << 30
)

// ErrMalformed is wrapped by the errors of answers that are not a
// goroutineleak profile in the debug=1 text form.
var ErrMalformed = errors.New("not a goroutineleak profile")

// ErrTooLarge is wrapped by the errors of answers over a size bound.
var ErrTooLarge = errors.New("too large")

// Result is one reading of the goroutine leak profile.
type Result struct {
	// Available is false when the target does not serve the profile
	// (Go ≤ 1.26); Reason then says why.
	Available bool
	Reason    string
	// Leaked is the number of goroutines proven leaked, the header's
	// total (Stacks plus Other).
	Leaked int
	// Stacks are the distinct stacks, most goroutines first; stacks that
	// differ only in their pprof labels are one.
	Stacks []Stack
	// Other counts the goroutines of stacks beyond MaxStacks.
	Other int
}

// Stack is the goroutines leaked with one stack.
type Stack struct {
	Count int
	// Frames go from the blocked call outwards (leaf first), without the
	// runtime frames above it, as the runtime prints them; at most
	// MaxFrames.
	Frames []Frame
}

// Frame is one call of a stack.
type Frame struct {
	Function string `json:"function"` // package-qualified; "?" when the runtime could not name it
	File     string `json:"file"`     // as recorded in the binary; "" if unknown
	Line     int    `json:"line"`
}

func (f Frame) String() string {
	if f.File == "" {
		return f.Function
	}
	return fmt.Sprintf("%s %s:%d", f.Function, f.File, f.Line)
}

const header = "goroutineleak profile: total "

// Parse reads a goroutineleak profile in the debug=1 text form from r,
// within the package's bounds (see MaxBytes: r should already be bounded
// in bytes; Parse bounds lines, stacks, frames and names).
func Parse(r io.Reader) (Result, error) {
	// The scanner hands out the text read before a read error as a last
	// line: a line cut by a bound or a broken connection, which would
	// make a misleading parse error. The read error is the cause.
	er := &errRecorder{r: r}
	sc := bufio.NewScanner(er)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	p := parser{names: map[string]string{}, index: map[string]int{}}
	if err := p.run(sc); err != nil {
		if er.err != nil {
			return Result{}, fmt.Errorf("read goroutineleak profile: %w", er.err)
		}
		if errors.Is(err, bufio.ErrTooLong) {
			return Result{}, fmt.Errorf("a line is longer than %d KiB: %w", maxLine>>10, ErrMalformed)
		}
		return Result{}, err
	}
	res := Result{Available: true, Leaked: p.total, Stacks: p.stacks, Other: p.other}
	slices.SortStableFunc(res.Stacks, func(a, b Stack) int { return b.Count - a.Count })
	return res, nil
}

type parser struct {
	total     int
	sum       int
	stacks    []Stack
	other     int
	index     map[string]int    // stack key → position in stacks
	names     map[string]string // interned function and file names
	nameBytes int
	line      int
	// The record being read.
	inRecord bool
	count    int
	frames   []Frame
}

func (p *parser) errorf(format string, args ...any) error {
	return fmt.Errorf("line %d: %s: %w", p.line, fmt.Sprintf(format, args...), ErrMalformed)
}

func (p *parser) run(sc *bufio.Scanner) error {
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return err
		}
		return fmt.Errorf("empty answer: %w", ErrMalformed)
	}
	p.line = 1
	h := sc.Text()
	rest, ok := strings.CutPrefix(h, header)
	if !ok {
		return fmt.Errorf("the answer starts with %q, not %q: %w", snippet(h), header+"N", ErrMalformed)
	}
	total, err := parseCount(rest)
	if err != nil {
		return p.errorf("header total %q: %v", snippet(rest), err)
	}
	p.total = total
	for sc.Scan() {
		p.line++
		if err := p.handle(sc.Text()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := p.endRecord(); err != nil {
		return err
	}
	if p.sum != p.total {
		return fmt.Errorf("the header says %d leaked goroutines, the records add up to %d: %w", p.total, p.sum, ErrMalformed)
	}
	return nil
}

func (p *parser) handle(line string) error {
	switch {
	case line == "":
		return p.endRecord()
	case strings.HasPrefix(line, "# labels:"):
		if !p.inRecord || len(p.frames) > 0 {
			return p.errorf("labels outside a record's head")
		}
		return nil // labels split a stack in the runtime's records; not here
	case strings.HasPrefix(line, "#"):
		if !p.inRecord {
			return p.errorf("a frame outside a record")
		}
		f, err := p.parseFrame(line)
		if err != nil {
			return err
		}
		if len(p.frames) < MaxFrames {
			p.frames = append(p.frames, f)
		}
		return nil
	}
	// "N @ 0x… 0x…": a record starts. The runtime ends each with a blank
	// line; tolerate a missing one.
	if err := p.endRecord(); err != nil {
		return err
	}
	countStr, _, ok := strings.Cut(line, " @")
	if !ok {
		return p.errorf("%q is neither a record, a frame nor a blank line", snippet(line))
	}
	n, err := parseCount(countStr)
	if err != nil {
		return p.errorf("record count %q: %v", snippet(countStr), err)
	}
	if n == 0 {
		return p.errorf("a record of 0 goroutines")
	}
	if p.sum > maxCount-n {
		return p.errorf("the records add up to more than %d goroutines", maxCount)
	}
	p.sum += n
	p.inRecord, p.count, p.frames = true, n, p.frames[:0]
	return nil
}

// parseFrame parses "#\t0x4a1b2c\tpkg.fn+0x2c\t/path/file.go:12" (the
// runtime's tabwriter may put several tabs between the fields) or "#\t0x…"
// for a frame the runtime could not name.
func (p *parser) parseFrame(line string) (Frame, error) {
	fields := strings.FieldsFunc(line[1:], func(r rune) bool { return r == '\t' })
	if len(line) < 2 || line[1] != '\t' || len(fields) == 0 || !strings.HasPrefix(fields[0], "0x") {
		return Frame{}, p.errorf("frame %q: not \"#\\tPC\\tFUNCTION+OFFSET\\tFILE:LINE\"", snippet(line))
	}
	if len(fields) == 1 {
		return Frame{Function: "?"}, nil
	}
	if len(fields) != 3 {
		return Frame{}, p.errorf("frame %q: %d fields, want 3", snippet(line), len(fields))
	}
	fn := fields[1]
	if i := strings.LastIndex(fn, "+0x"); i > 0 {
		fn = fn[:i]
	}
	file, lineStr, ok := cutLast(fields[2], ":")
	if !ok || file == "" || fn == "" {
		return Frame{}, p.errorf("frame %q: no FILE:LINE", snippet(line))
	}
	ln, err := strconv.Atoi(lineStr)
	if err != nil || ln < 0 || ln > 1<<24 {
		return Frame{}, p.errorf("frame %q: bad line number", snippet(line))
	}
	fn, err = p.intern(fn)
	if err != nil {
		return Frame{}, err
	}
	file, err = p.intern(file)
	if err != nil {
		return Frame{}, err
	}
	return Frame{Function: fn, File: file, Line: ln}, nil
}

// intern returns the kept copy of s, so that the same name in many stacks
// is held once, and bounds what all the names together can hold.
func (p *parser) intern(s string) (string, error) {
	if k, ok := p.names[s]; ok {
		return k, nil
	}
	if p.nameBytes+len(s) > maxNameBytes {
		return "", fmt.Errorf("the profile names more than %d MiB of distinct functions and files: %w", maxNameBytes>>20, ErrTooLarge)
	}
	k := strings.Clone(s)
	p.names[k] = k
	p.nameBytes += len(k)
	return k, nil
}

// endRecord files the record being read under its stack.
func (p *parser) endRecord() error {
	if !p.inRecord {
		return nil
	}
	p.inRecord = false
	if len(p.frames) == 0 {
		return p.errorf("a record without frames")
	}
	key := stackKey(p.frames)
	if i, ok := p.index[key]; ok {
		p.stacks[i].Count += p.count
		return nil
	}
	if len(p.stacks) >= MaxStacks {
		p.other += p.count
		return nil
	}
	p.index[key] = len(p.stacks)
	p.stacks = append(p.stacks, Stack{Count: p.count, Frames: slices.Clone(p.frames)})
	return nil
}

// stackKey identifies a stack by its frames (not its PCs, which differ
// between binaries and between inlined copies of one line).
func stackKey(frames []Frame) string {
	var b strings.Builder
	for _, f := range frames {
		b.WriteString(f.Function)
		b.WriteByte(0)
		b.WriteString(f.File)
		b.WriteByte(0)
		b.WriteString(strconv.Itoa(f.Line))
		b.WriteByte('\n')
	}
	return b.String()
}

func parseCount(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, errors.New("not a number")
	}
	if n < 0 || n > maxCount {
		return 0, fmt.Errorf("out of range 0…%d", maxCount)
	}
	return n, nil
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// snippet shortens text from the target for an error message.
func snippet(s string) string {
	const n = 80
	if len(s) > n {
		s = s[:n] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// errRecorder keeps the first read error other than io.EOF.
type errRecorder struct {
	r   io.Reader
	err error
}

func (e *errRecorder) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && e.err == nil {
		e.err = err
	}
	return n, err
}
