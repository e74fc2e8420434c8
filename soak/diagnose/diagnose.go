package diagnose

import (
	"fmt"
	"slices"
	"strings"
)

// Goroutine is a goroutine stack, in the shape of a parsed
// /debug/pprof/goroutine?debug=2 dump (soak/profdiff.Goroutine has the
// same fields).
type Goroutine struct {
	State     string  // wait reason without duration: "chan send", "select", "IO wait"
	Frames    []Frame // innermost first
	CreatedBy Frame
}

// Cause is what a stack means: a row of the table applied to a stack.
type Cause struct {
	ID    string
	Cause string
	Fix   string
	Doc   string // DocPage#ID
	// Frame is the library frame the rule matched (for a goroutine rule on
	// a state alone, the innermost frame); for a heap rule, the library
	// function the user's code called.
	Frame Frame
	// Caller is the user's frame that made the call, when known: the
	// frame of a heap stack, or one found by WithCallerFrom.
	Caller Frame
}

// String is the report's line: the stack, the cause, where it was called
// from when known, and the fix.
//
//	goroutines in net/http.(*persistConn).readLoop: HTTP client responses whose body is never closed: ... (request made at main.fetch /src/shop/api.go:42); fix: defer resp.Body.Close() ... (docs/known-leaks.md#http-body-not-closed)
func (c Cause) String() string {
	var b strings.Builder
	if c.Frame.Function != "" {
		fmt.Fprintf(&b, "%s: ", c.Frame.Function)
	}
	b.WriteString(c.Cause)
	if c.Caller.Function != "" {
		fmt.Fprintf(&b, " (called from %s", c.Caller.Function)
		if c.Caller.File != "" {
			fmt.Fprintf(&b, " %s:%d", c.Caller.File, c.Caller.Line)
		}
		b.WriteString(")")
	}
	fmt.Fprintf(&b, "; fix: %s (%s)", c.Fix, c.Doc)
	return b.String()
}

func newCause(r Rule, f Frame) Cause {
	return Cause{ID: r.ID, Cause: r.Cause, Fix: r.Fix, Doc: DocPage + "#" + r.ID, Frame: f}
}

// ForGoroutine returns the cause of the first rule that matches g, and
// false when none does (the stack is then the user's to read: the first
// own frame says where it waits).
func ForGoroutine(g Goroutine) (Cause, bool) {
	for _, r := range rules {
		if r.Kind != KindGoroutine {
			continue
		}
		if len(r.States) > 0 && !slices.Contains(r.States, g.State) || slices.Contains(r.NotStates, g.State) {
			continue
		}
		if len(r.Functions) == 0 {
			var top Frame
			if len(g.Frames) > 0 {
				top = g.Frames[0]
			}
			return newCause(r, top), true
		}
		for _, f := range g.Frames {
			if matchFunc(r.Functions, f.Function) {
				return newCause(r, f), true
			}
		}
	}
	return Cause{}, false
}

// ForHeap returns the cause of an allocation stack (innermost first) from
// the library function that the user's code (own) called: walking inward
// from the first frame own claims, the outermost library frame that is a
// rule's entry point. So http.Get called by the user names the HTTP rule,
// also through a client library that wraps it, and the
// context.WithCancelCause that net/http calls inside it does not name the
// context rule. An allocation with no own frame, or made by the user's
// code itself, has no library cause.
func ForHeap(frames []Frame, own func(Frame) bool) (Cause, bool) {
	i := firstOwn(frames, own)
	for j := i - 1; j >= 0; j-- {
		for _, r := range rules {
			if r.Kind == KindHeap && matchFunc(r.Functions, frames[j].Function) {
				c := newCause(r, frames[j])
				c.Caller = frames[i]
				return c, true
			}
		}
	}
	return Cause{}, false
}

// WithCallerFrom sets c.Caller, when it is not set, from the first of
// stacks (heap allocation stacks, innermost first, in the order the caller
// ranks them: largest growth first) in which the user's code called one of
// the library entry points of c's rule (as ForHeap finds the call); for goroutines in
// net/http.(*persistConn).readLoop, that is the frame that sent the
// request. Without a match c is returned unchanged.
func (c Cause) WithCallerFrom(stacks [][]Frame, own func(Frame) bool) Cause {
	if c.Caller.Function != "" {
		return c
	}
	var entries []string
	for _, r := range rules {
		if r.ID == c.ID {
			entries = append(entries, r.Entries...)
		}
	}
	if len(entries) == 0 {
		return c
	}
	for _, s := range stacks {
		// The entry point must be the call the user made (ForHeap's
		// choice), not one made inside it: net/http calls
		// context.WithCancelCause for each request.
		if h, ok := ForHeap(s, own); ok && matchFunc(entries, h.Frame.Function) {
			c.Caller = h.Caller
			return c
		}
	}
	return c
}

// firstOwn returns the index of the first frame own claims, or -1.
func firstOwn(frames []Frame, own func(Frame) bool) int {
	if own == nil {
		return -1
	}
	for i, f := range frames {
		if own(f) {
			return i
		}
	}
	return -1
}

// matchFunc reports whether fn is one of fns or a closure inside one
// ("context.(*cancelCtx).propagateCancel.func2"). A generic
// instantiation's type arguments ("pkg.F[...]") are ignored.
func matchFunc(fns []string, fn string) bool {
	if i := strings.IndexByte(fn, '['); i >= 0 {
		if j := strings.LastIndexByte(fn, ']'); j > i {
			fn = fn[:i] + fn[j+1:]
		}
	}
	for _, want := range fns {
		if fn == want || strings.HasPrefix(fn, want+".func") || strings.HasPrefix(fn, want+".gowrap") {
			return true
		}
	}
	return false
}
