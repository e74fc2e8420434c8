package leakprofile

import (
	"cmp"
	"slices"
	"strings"
)

const (
	// MaxSites bounds Report.Sites.
	MaxSites = 10
	// MaxSiteFrames bounds Site.Stack.
	MaxSiteFrames = 32
	// MinProvenGrowth is the "handful": more goroutines than this proven
	// leaked during a run is a leak whatever the run's length. A few can
	// be a one-off (a request cancelled at the wrong moment at start-up);
	// a per-request leak is hundreds.
	MinProvenGrowth = 5
)

// Report is the goroutine_leak_profile object of the soak report: the
// goroutines proven leaked at the last checkpoint, and their growth since
// the first. See the package documentation.
type Report struct {
	Available bool `json:"available"`
	// Reason says why the profile is unavailable, or what limits the
	// comparison (no first reading).
	Reason string `json:"reason,omitempty"`
	// Leaked is the number proven leaked at the last checkpoint, Start at
	// the first, Growth the difference.
	Leaked int `json:"leaked"`
	Start  int `json:"start"`
	Growth int `json:"growth"`
	// Sites are the stacks leaked at the last checkpoint, most growth
	// first; [] when none.
	Sites []Site `json:"sites"`
}

// Site is the goroutines proven leaked with one stack.
type Site struct {
	// Function, File and Line are the first frame of the stack in the
	// service's own code (OwnCode), or the leaf frame when none is.
	Function string `json:"function"`
	File     string `json:"file"`
	Line     int    `json:"line"`
	// Count is the goroutines leaked with this stack at the last
	// checkpoint, Growth since the first.
	Count  int `json:"count"`
	Growth int `json:"growth"`
	// Stack is the frames from the blocked call outwards.
	Stack []Frame `json:"stack"`
}

// Proven says whether the run proved a leak: the profile is available and
// more than MinProvenGrowth goroutines were proven leaked during it.
func (r Report) Proven() bool { return r.Available && r.Growth > MinProvenGrowth }

// DiffOption configures Diff.
type DiffOption interface{ applyDiff(*diffOptions) }

type diffOptionFunc func(*diffOptions)

func (f diffOptionFunc) applyDiff(o *diffOptions) { f(o) }

type diffOptions struct {
	own func(Frame) bool
}

// WithOwnCode replaces the test that picks a site's frame (default: the
// package function OwnCode). The soak passes its own, which knows the
// target's main module.
func WithOwnCode(own func(Frame) bool) DiffOption {
	return diffOptionFunc(func(o *diffOptions) {
		if own != nil {
			o.own = own
		}
	})
}

// Diff compares the readings of the first and the last checkpoint of one
// process. When last is unavailable so is the report (with last's Reason).
// When first is unavailable but last is (the first reading failed), every
// goroutine leaked at the end counts as growth, and Reason says so: a
// proven leak is a leak whenever it was proven.
func Diff(first, last Result, opts ...DiffOption) Report {
	o := diffOptions{own: OwnCode}
	for _, opt := range opts {
		opt.applyDiff(&o)
	}
	if !last.Available {
		return Report{Reason: last.Reason, Sites: []Site{}}
	}
	rep := Report{Available: true, Leaked: last.Leaked, Sites: []Site{}}
	before := map[string]int{}
	if first.Available {
		rep.Start = first.Leaked
		for _, s := range first.Stacks {
			before[stackKey(s.Frames)] += s.Count
		}
	} else {
		rep.Reason = "no reading at the first checkpoint: growth counts every goroutine leaked at the last"
	}
	rep.Growth = rep.Leaked - rep.Start
	for _, s := range last.Stacks {
		site := siteOf(s.Frames, o.own)
		site.Count = s.Count
		site.Growth = s.Count - before[stackKey(s.Frames)]
		site.Stack = slices.Clone(s.Frames[:min(len(s.Frames), MaxSiteFrames)])
		rep.Sites = append(rep.Sites, site)
	}
	slices.SortStableFunc(rep.Sites, func(a, b Site) int {
		return cmp.Or(cmp.Compare(b.Growth, a.Growth), cmp.Compare(b.Count, a.Count),
			cmp.Compare(a.Function, b.Function), cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line))
	})
	if len(rep.Sites) > MaxSites {
		rep.Sites = rep.Sites[:MaxSites]
	}
	return rep
}

func siteOf(frames []Frame, own func(Frame) bool) Site {
	if len(frames) == 0 {
		return Site{}
	}
	f := frames[0]
	for _, fr := range frames {
		if own(fr) {
			f = fr
			break
		}
	}
	return Site{Function: f.Function, File: f.File, Line: f.Line}
}

// OwnCode is the default test of whether a frame is in the service's own
// code, from the frame alone: not in the standard library (a package path
// whose first element has no dot, other than main, unless its file is an
// absolute path outside any "src" directory), not in the module cache
// ("/pkg/mod/", or a "name@vX" element under -trimpath) and not vendored.
// A service whose module path has no dot is taken for the standard
// library when it lives under a "src" directory or is built with
// -trimpath; Diff's WithOwnCode lets the caller decide from the target's
// main module instead.
func OwnCode(f Frame) bool {
	if f.Function == "" || f.Function == "?" {
		return false
	}
	file := strings.ReplaceAll(f.File, `\`, "/")
	if strings.Contains(file, "/pkg/mod/") || strings.Contains(file, "/vendor/") || strings.HasPrefix(file, "vendor/") || hasVersionElem(file) {
		return false
	}
	pkg := packagePath(f.Function)
	first, _, _ := strings.Cut(pkg, "/")
	if pkg == "main" || strings.Contains(first, ".") {
		return true
	}
	// A dotless package path is the standard library's, unless its file
	// is clearly outside a GOROOT: an absolute path without a "/src/"
	// element. (Not "/src/<package>/": sync.runtime_SemacquireWaitGroup
	// is in runtime/sema.go.) Under -trimpath the standard library's
	// files are relative ("sync/waitgroup.go").
	abs := strings.HasPrefix(file, "/") || len(file) > 2 && file[1] == ':'
	return abs && !strings.Contains(file, "/src/")
}

// hasVersionElem reports a path element like "gin@v1.12.0", the module
// cache's layout (kept by -trimpath).
func hasVersionElem(file string) bool {
	for elem := range strings.SplitSeq(file, "/") {
		if _, v, ok := strings.Cut(elem, "@v"); ok && v != "" && v[0] >= '0' && v[0] <= '9' {
			return true
		}
	}
	return false
}

// packagePath returns the import path of a package-qualified function
// name: "github.com/a/b.(*T).m.func1" → "github.com/a/b", "net/http.Get"
// → "net/http", "main.main" → "main".
func packagePath(fn string) string {
	// Generic instantiations ("pkg.F[...]") may contain dots and slashes.
	if i := strings.IndexByte(fn, '['); i >= 0 {
		fn = fn[:i]
	}
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return fn
	}
	return fn[:slash+1+dot]
}
