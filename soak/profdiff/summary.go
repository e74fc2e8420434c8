package profdiff

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/google/pprof/profile"

	"github.com/ginleak/ginleak/soak/diagnose"
)

// HeapSummary is a heap profile reduced to what a diff needs: the in-use
// bytes and objects per (own-code frame, allocating frame) pair. It is a
// few kilobytes where the profile may be tens of megabytes, so a soak keeps
// summaries, not profiles, between its first and last checkpoint.
type HeapSummary struct {
	// Period is the profile's sampling period (SamplingRate).
	Period int64
	types  []string
	cells  map[cellKey]cell
}

// cellKey is what a site is built from: the site frame (own code, or the
// allocating frame when the stack has none), the allocating frame, and the
// library call of the table of known leaks (package diagnose) the site
// made, if any.
type cellKey struct {
	own, alloc Frame
	isOwn      bool // own is own code
	record     bool // the runtime's record of a new goroutine
	causeID    string
	called     Frame // the library function the cause's rule matched
}

type cell struct{ bytes, objects int64 }

// ErrImpossibleValue is wrapped by the errors about values no Go runtime
// writes, such as negative in-use bytes.
var ErrImpossibleValue = errors.New("a value that cannot be true")

// SummarizeHeap reduces a heap profile to a HeapSummary. It fails, like
// HeapSites, on a profile that is invalid or has no inuse_space sample
// type, and on negative in-use values, which no real heap profile holds.
// The two summaries DiffHeap compares must use the same test of own code
// (WithOwnCode); without one, each finds the GOROOT in its own profile.
func SummarizeHeap(p *profile.Profile, opts ...Option) (*HeapSummary, error) {
	if p == nil {
		return nil, errors.New("summarize heap profile: no profile")
	}
	if err := checkProfile(p); err != nil {
		return nil, fmt.Errorf("summarize heap profile: %w", err)
	}
	space, objects := sampleIndex(p, "inuse_space"), sampleIndex(p, "inuse_objects")
	if space < 0 {
		return nil, fmt.Errorf("summarize heap profile: no inuse_space sample type (have %s): not a heap profile", sampleTypes(p))
	}
	opt := applyOptions(opts, func() string { return profileGOROOT(p) })
	s := &HeapSummary{Period: p.Period, cells: map[cellKey]cell{}}
	for _, st := range p.SampleType {
		s.types = append(s.types, st.Type)
	}
	for _, smp := range p.Sample {
		b := smp.Value[space]
		var o int64
		if objects >= 0 {
			o = smp.Value[objects]
		}
		if b < 0 || o < 0 {
			return nil, fmt.Errorf("summarize heap profile: negative in-use value (%d bytes, %d objects): %w", b, o, ErrImpossibleValue)
		}
		k := classify(sampleFrames(smp), opt.own)
		c := s.cells[k]
		c.bytes, c.objects = satAdd(c.bytes, b), satAdd(c.objects, o)
		s.cells[k] = c
	}
	return s, nil
}

// classify returns the cell of a stack, leaf first (see Site): the
// allocating frame is the first outside the runtime, the site frame the
// first own frame from there outwards, and the cause the library call of
// the table of known leaks the own frame made (diagnose.ForHeap).
func classify(frames []Frame, own func(Frame) bool) cellKey {
	k := cellKey{alloc: Frame{Function: "(unknown)"}, record: isGoroutineRecord(frames)}
	ai := -1
	for i, f := range frames {
		if !isRuntime(f.Function) {
			k.alloc, ai = f, i
			break
		}
	}
	if ai < 0 && len(frames) > 0 {
		k.alloc, ai = frames[0], 0 // only runtime frames
	}
	k.own = k.alloc
	for _, f := range frames[max(ai, 0):] {
		if own(f) {
			k.own, k.isOwn = f, true
			break
		}
	}
	if k.isOwn {
		dOwn := func(f diagnose.Frame) bool { return own(Frame(f)) }
		if c, ok := diagnose.ForHeap(toDiagnose(frames), dOwn); ok {
			k.causeID, k.called = c.ID, Frame(c.Frame)
		}
	}
	return k
}

// DiffHeap returns the top sites (all when top ≤ 0) whose in-use bytes
// grew from base to last, sites in the target's own code first, then
// largest growth first: the same sites as HeapSites on the profiles the
// summaries were made from.
func DiffHeap(base, last *HeapSummary, top int) ([]Site, error) {
	if base == nil || last == nil {
		return nil, errors.New("diff heap profiles: a profile is missing")
	}
	if !slices.Equal(base.types, last.types) {
		return nil, fmt.Errorf("diff heap profiles: incompatible sample types %v and %v", base.types, last.types)
	}
	var g siteGrouper
	for k, c := range last.cells {
		g.add(k, c.bytes, c.objects)
	}
	for k, c := range base.cells {
		g.add(k, -c.bytes, -c.objects)
	}
	return g.sites(top), nil
}

// siteGrouper adds up cells into sites.
type siteGrouper struct {
	groups map[siteKey]*siteAcc
}

type siteKey struct {
	own    Frame
	record bool
}

type causeKey struct {
	id     string
	called Frame
}

type siteAcc struct {
	site       Site
	allocBytes map[Frame]int64
	causeBytes map[causeKey]int64
}

func (g *siteGrouper) add(k cellKey, bytes, objects int64) {
	if g.groups == nil {
		g.groups = map[siteKey]*siteAcc{}
	}
	sk := siteKey{k.own, k.record}
	a := g.groups[sk]
	if a == nil {
		a = &siteAcc{
			site: Site{Function: k.own.Function, File: k.own.File, Line: k.own.Line,
				Own: k.isOwn, GoroutineRecord: k.record},
			allocBytes: map[Frame]int64{},
			causeBytes: map[causeKey]int64{},
		}
		g.groups[sk] = a
	}
	a.site.Bytes = satAdd(a.site.Bytes, bytes)
	a.site.Objects = satAdd(a.site.Objects, objects)
	a.allocBytes[k.alloc] = satAdd(a.allocBytes[k.alloc], bytes)
	if k.causeID != "" {
		ck := causeKey{k.causeID, k.called}
		a.causeBytes[ck] = satAdd(a.causeBytes[ck], bytes)
	}
}

// sites returns the sites that grew, ranked (sortSites), at most top
// when top > 0.
func (g *siteGrouper) sites(top int) []Site {
	var sites []Site
	for _, a := range g.groups {
		if a.site.Bytes <= 0 {
			continue
		}
		var best Frame
		bestBytes := int64(math.MinInt64)
		for f, b := range a.allocBytes {
			if b > bestBytes || b == bestBytes && frameLess(f, best) {
				best, bestBytes = f, b
			}
		}
		a.site.AllocFunction, a.site.AllocFile, a.site.AllocLine = best.Function, best.File, best.Line
		// The cause is the library call that grew the most under the site.
		var cause causeKey
		var causeBytes int64
		for ck, b := range a.causeBytes {
			if b > causeBytes || b == causeBytes && b > 0 && (ck.id < cause.id || ck.id == cause.id && frameLess(ck.called, cause.called)) {
				cause, causeBytes = ck, b
			}
		}
		if causeBytes > 0 {
			a.site.Cause = heapCause(cause, Frame{a.site.Function, a.site.File, a.site.Line})
		}
		sites = append(sites, a.site)
	}
	sortSites(sites)
	if top > 0 && len(sites) > top {
		sites = sites[:top]
	}
	return sites
}

// heapCause rebuilds the cause of a site from the library function its own
// frame called: the rule ForHeap found for that call.
func heapCause(ck causeKey, own Frame) *diagnose.Cause {
	d := diagnose.Frame(own)
	c, ok := diagnose.ForHeap([]diagnose.Frame{diagnose.Frame(ck.called), d}, func(f diagnose.Frame) bool { return f == d })
	if !ok || c.ID != ck.id {
		return nil
	}
	return &c
}

// sortSites ranks sites: those in the target's own code first (a site no
// frame of the user's explains must not hide one that does), then largest
// growth first.
func sortSites(sites []Site) {
	slices.SortFunc(sites, func(a, b Site) int {
		if a.Own != b.Own {
			if a.Own {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.Bytes, a.Bytes); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Objects, a.Objects); c != 0 {
			return c
		}
		return compareFrames(
			Frame{a.Function, a.File, a.Line}, Frame{b.Function, b.File, b.Line})
	})
}

// profileGOROOT finds the GOROOT of the binary a profile comes from, in
// the files of its runtime functions.
func profileGOROOT(ps ...*profile.Profile) string {
	var rt []Frame
	for _, p := range ps {
		for _, f := range p.Function {
			if f != nil && strings.HasPrefix(f.Name, "runtime.") {
				rt = append(rt, Frame{Function: f.Name, File: f.Filename})
			}
		}
	}
	return goroot([][]Frame{rt})
}
