package profdiff

import "github.com/ginleak/ginleak/soak/diagnose"

// Option configures how HeapSites, SummarizeHeap, DiffGroups and
// GoroutineSites attribute growth to sites.
type Option interface{ apply(*options) }

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

type options struct {
	own func(Frame) bool
}

// WithOwnCode sets the test of whether a frame is the target's own code,
// which picks a site's frame and ranks sites. The soak passes a
// diagnose.Owner that knows the target's GOROOT and main module (Owner).
// The default is a diagnose.Owner with the GOROOT found in the stacks
// themselves (diagnose.GOROOTOf) and no module path.
func WithOwnCode(own func(Frame) bool) Option {
	return optionFunc(func(o *options) {
		if own != nil {
			o.own = own
		}
	})
}

// Owner returns o.Own as the test WithOwnCode takes.
func Owner(o diagnose.Owner) func(Frame) bool {
	return func(f Frame) bool { return o.Own(diagnose.Frame(f)) }
}

// applyOptions returns the options, with the default test of own code
// (a diagnose.Owner with the GOROOT root finds) when none was given.
func applyOptions(opts []Option, root func() string) options {
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	if o.own == nil {
		o.own = Owner(diagnose.Owner{GOROOT: root()})
	}
	return o
}

// goroot finds the GOROOT of the binary the stacks come from.
func goroot(stacks [][]Frame) string {
	ds := make([][]diagnose.Frame, 0, len(stacks))
	for _, s := range stacks {
		d := make([]diagnose.Frame, len(s))
		for i, f := range s {
			d[i] = diagnose.Frame(f)
		}
		ds = append(ds, d)
	}
	return diagnose.GOROOTOf(ds...)
}

// GOROOTOf returns the GOROOT of the binary the goroutine groups come
// from, read from their runtime frames (diagnose.GOROOTOf), or "".
func GOROOTOf(groups []Group) string {
	stacks := make([][]Frame, 0, len(groups))
	for _, g := range groups {
		stacks = append(stacks, g.Frames)
	}
	return goroot(stacks)
}

// isGoroutineRecord reports whether an allocation stack (leaf first) is
// the runtime making the record of a new goroutine (runtime.malg under
// runtime.newproc1), without a frame outside the runtime: the profile
// stops at the system stack, so the go statement is not in it. Such
// growth comes with leaked goroutines, whose sites name their code.
func isGoroutineRecord(frames []Frame) bool {
	rec := false
	for _, f := range frames {
		if !isRuntime(f.Function) {
			return false
		}
		if f.Function == "runtime.newproc1" || f.Function == "runtime.malg" {
			rec = true
		}
	}
	return rec
}

// toDiagnose converts frames for package diagnose.
func toDiagnose(fs []Frame) []diagnose.Frame {
	out := make([]diagnose.Frame, len(fs))
	for i, f := range fs {
		out[i] = diagnose.Frame(f)
	}
	return out
}
