package profdiff

import (
	"cmp"
	"errors"
	"fmt"
	"math"

	"github.com/google/pprof/profile"

	"github.com/ginleak/ginleak/soak/diagnose"
)

// Site is an allocation site whose live heap grew between two heap
// profiles.
//
// Function, File and Line are "where in your code": the first frame of the
// allocation stack, from the leaf towards main, in the target's own code
// (WithOwnCode) —
// the handler line that calls json.Unmarshal or c.Copy(), or that appends
// to a package-level slice. When no frame of the stack is own code they are
// the allocation frame. Sites are keyed by this frame, so everything one
// line of your code allocates, directly or through libraries, adds up.
//
// AllocFunction, AllocFile and AllocLine are the frame that allocated: the
// leaf frame outside the runtime (runtime.mallocgc, runtime.growslice and
// the like are skipped). When several allocating frames grew under the
// same own-code frame, it is the one that contributed the most bytes. It
// equals Function/File/Line when your code allocated directly.
type Site struct {
	Function string
	File     string
	Line     int

	AllocFunction string
	AllocFile     string
	AllocLine     int

	// Bytes and Objects are the growth of the in-use space and objects
	// (sample types inuse_space and inuse_objects) from base to last. They
	// are the profile's estimates, scaled from the samples taken every
	// SamplingRate bytes.
	Bytes, Objects int64

	// Own tells whether Function is the target's own code (sites that
	// are come first).
	Own bool
	// GoroutineRecord is set for the runtime's records of new goroutines
	// (runtime.malg under runtime.newproc1): growth that comes with
	// leaked goroutines, whose goroutine sites name the code. The heap
	// profile stops at the system stack, so it cannot say whose.
	GoroutineRecord bool
	// Cause is the known cause (package diagnose) of the library call the
	// site's code made that grew the most, with Caller the site's frame;
	// nil when the table knows none.
	Cause *diagnose.Cause
}

// Frame is one function call in a stack.
type Frame struct {
	Function string // package-qualified, e.g. "net/http.(*conn).serve"
	File     string // absolute path as recorded in the binary; "" if unknown
	Line     int    // 0 if unknown
}

// String formats the frame as "function file:line".
func (f Frame) String() string {
	if f.File == "" {
		return f.Function
	}
	return fmt.Sprintf("%s %s:%d", f.Function, f.File, f.Line)
}

// HeapSites diffs two heap profiles of the same process — base at the
// first checkpoint after warm-up, last at the final one — and returns the
// top sites (all when top ≤ 0) whose in-use bytes grew, largest growth
// first. The diff is the google/pprof way: a copy of base is scaled by −1
// and merged with last, so stacks present in both cancel out. Neither
// input is modified.
//
// Sites in the target's own code come first (see DiffHeap). Without
// WithOwnCode, the GOROOT is found in the two profiles.
//
// It fails when a profile is missing, invalid, or not a heap profile (no
// inuse_space sample type), or when the two have different sample types.
func HeapSites(base, last *profile.Profile, top int, opts ...Option) ([]Site, error) {
	if base == nil || last == nil {
		return nil, errors.New("diff heap profiles: a profile is missing")
	}
	for _, p := range []struct {
		name string
		p    *profile.Profile
	}{{"base", base}, {"last", last}} {
		if err := checkProfile(p.p); err != nil {
			return nil, fmt.Errorf("diff heap profiles: %s profile: %w", p.name, err)
		}
	}
	// Merge of a single profile is an independent copy (and, unlike
	// Profile.Copy, returns an error instead of panicking).
	neg, err := profile.Merge([]*profile.Profile{base})
	if err != nil {
		return nil, fmt.Errorf("diff heap profiles: copy base profile: %w", err)
	}
	cur, err := profile.Merge([]*profile.Profile{last})
	if err != nil {
		return nil, fmt.Errorf("diff heap profiles: copy last profile: %w", err)
	}
	// Merge compares period types and dereferences them: give hand-built
	// profiles without one a common one.
	switch {
	case neg.PeriodType == nil && cur.PeriodType == nil:
		neg.PeriodType, cur.PeriodType = &profile.ValueType{}, &profile.ValueType{}
	case neg.PeriodType == nil:
		neg.PeriodType = cur.PeriodType
	case cur.PeriodType == nil:
		cur.PeriodType = neg.PeriodType
	}
	neg.Scale(-1)
	diff, err := profile.Merge([]*profile.Profile{cur, neg})
	if err != nil {
		return nil, fmt.Errorf("diff heap profiles: %w", err)
	}
	space, objects := sampleIndex(diff, "inuse_space"), sampleIndex(diff, "inuse_objects")
	if space < 0 {
		return nil, fmt.Errorf("diff heap profiles: no inuse_space sample type (have %s): not a heap profile", sampleTypes(diff))
	}

	o := applyOptions(opts, func() string { return profileGOROOT(base, last) })
	var g siteGrouper
	for _, smp := range diff.Sample {
		var objs int64
		if objects >= 0 {
			objs = smp.Value[objects]
		}
		g.add(classify(sampleFrames(smp), o.own), smp.Value[space], objs)
	}
	return g.sites(top), nil
}

// checkProfile rejects profiles that would make the pprof library panic.
func checkProfile(p *profile.Profile) error {
	for i, st := range p.SampleType {
		if st == nil {
			return fmt.Errorf("sample type %d is nil", i)
		}
	}
	return p.CheckValid()
}

// sampleFrames flattens a sample's stack, leaf first, expanding inlined
// calls (a Location's first Line is the innermost).
func sampleFrames(s *profile.Sample) []Frame {
	var out []Frame
	for _, loc := range s.Location {
		if len(loc.Line) == 0 {
			out = append(out, Frame{Function: fmt.Sprintf("0x%x", loc.Address)})
			continue
		}
		for _, ln := range loc.Line {
			f := Frame{Line: int(ln.Line)}
			if ln.Function != nil {
				f.Function, f.File = ln.Function.Name, ln.Function.Filename
			}
			out = append(out, f)
		}
	}
	return out
}

func sampleIndex(p *profile.Profile, typ string) int {
	for i, st := range p.SampleType {
		if st.Type == typ {
			return i
		}
	}
	return -1
}

func sampleTypes(p *profile.Profile) string {
	var s []string
	for _, st := range p.SampleType {
		s = append(s, st.Type)
	}
	if len(s) == 0 {
		return "none"
	}
	return fmt.Sprint(s)
}

// satAdd adds without wrapping around.
func satAdd(a, b int64) int64 {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && s >= 0:
		return math.MinInt64
	}
	return s
}

func compareFrames(a, b Frame) int {
	if c := cmp.Compare(a.Function, b.Function); c != 0 {
		return c
	}
	if c := cmp.Compare(a.File, b.File); c != 0 {
		return c
	}
	return cmp.Compare(a.Line, b.Line)
}

func frameLess(a, b Frame) bool { return compareFrames(a, b) < 0 }

// SamplingRate returns the heap profile's sampling period: the target's
// runtime.MemProfileRate, in bytes (the Period of a Go heap profile); 0
// for a nil profile.
func SamplingRate(p *profile.Profile) int64 {
	if p == nil {
		return 0
	}
	return p.Period
}

// RecommendedMemProfileRate is the sampling rate SamplingAdvice suggests:
// one sample per 4 KiB allocated, about 1/128 of the default, which costs
// the target little and attributes leaks of tens of bytes per request.
const RecommendedMemProfileRate = 4096

// MinLeakSamples is how many sampled allocations of a leak SamplingAdvice
// wants in the diff before it trusts the attribution (the relative error
// of a count of 20 samples is about 1/√20 ≈ 22%).
const MinLeakSamples = 20

// SamplingAdvice reports whether a heap profile sampled every rate bytes
// (SamplingRate) is too coarse to attribute a leak of bytesPerRequest over
// requests, and if so returns the advice to print. The expected number of
// sampled allocations of the leak is bytesPerRequest × requests / rate (for
// objects smaller than rate); below MinLeakSamples it is too coarse. A rate
// of 0 means heap profiling is off. With no leak (bytesPerRequest or
// requests not positive) there is nothing to attribute: ok, no advice.
func SamplingAdvice(rate int64, bytesPerRequest float64, requests int64) (tooCoarse bool, advice string) {
	const fix = "restart the target with GODEBUG=memprofilerate=4096 in its environment, " +
		"or set runtime.MemProfileRate = 4096 as the first statement of its main, and run again"
	if rate <= 0 {
		return true, "heap profiling is off in the target (runtime.MemProfileRate = 0), so no allocation site can be named: " + fix
	}
	if !(bytesPerRequest > 0) || requests <= 0 || math.IsInf(bytesPerRequest, 0) {
		return false, ""
	}
	expected := bytesPerRequest * float64(requests) / float64(rate)
	if expected >= MinLeakSamples {
		return false, ""
	}
	return true, fmt.Sprintf("the target samples one heap allocation per %d bytes (runtime.MemProfileRate), "+
		"so a leak of %.0f B/request over %d requests leaves only about %.0f samples, "+
		"too few to name its site reliably: %s", rate, bytesPerRequest, requests, expected, fix)
}
