package profdiff

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/google/pprof/profile"
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

type cellKey struct{ own, alloc Frame }

type cell struct{ bytes, objects int64 }

// ErrImpossibleValue is wrapped by the errors about values no Go runtime
// writes, such as negative in-use bytes.
var ErrImpossibleValue = errors.New("a value that cannot be true")

// SummarizeHeap reduces a heap profile to a HeapSummary. It fails, like
// HeapSites, on a profile that is invalid or has no inuse_space sample
// type, and on negative in-use values, which no real heap profile holds.
func SummarizeHeap(p *profile.Profile) (*HeapSummary, error) {
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
		own, alloc := classify(sampleFrames(smp))
		k := cellKey{own, alloc}
		c := s.cells[k]
		c.bytes, c.objects = satAdd(c.bytes, b), satAdd(c.objects, o)
		s.cells[k] = c
	}
	return s, nil
}

// classify returns the own-code frame and the allocating frame of a stack,
// leaf first (see Site).
func classify(frames []Frame) (own, alloc Frame) {
	alloc = Frame{Function: "(unknown)"}
	ai := -1
	for i, f := range frames {
		if !isRuntime(f.Function) {
			alloc, ai = f, i
			break
		}
	}
	if ai < 0 && len(frames) > 0 {
		alloc, ai = frames[0], 0 // only runtime frames
	}
	own = alloc
	for _, f := range frames[max(ai, 0):] {
		if OwnCode(f.Function) {
			own = f
			break
		}
	}
	return own, alloc
}

// DiffHeap returns the top sites (all when top ≤ 0) whose in-use bytes
// grew from base to last, largest growth first: the same sites as
// HeapSites on the profiles the summaries were made from.
func DiffHeap(base, last *HeapSummary, top int) ([]Site, error) {
	if base == nil || last == nil {
		return nil, errors.New("diff heap profiles: a profile is missing")
	}
	if !slices.Equal(base.types, last.types) {
		return nil, fmt.Errorf("diff heap profiles: incompatible sample types %v and %v", base.types, last.types)
	}
	type group struct {
		site       Site
		allocBytes map[Frame]int64
	}
	groups := map[Frame]*group{}
	add := func(k cellKey, c cell, sign int64) {
		g := groups[k.own]
		if g == nil {
			g = &group{site: Site{Function: k.own.Function, File: k.own.File, Line: k.own.Line}, allocBytes: map[Frame]int64{}}
			groups[k.own] = g
		}
		g.site.Bytes = satAdd(g.site.Bytes, sign*c.bytes)
		g.site.Objects = satAdd(g.site.Objects, sign*c.objects)
		g.allocBytes[k.alloc] = satAdd(g.allocBytes[k.alloc], sign*c.bytes)
	}
	for k, c := range last.cells {
		add(k, c, 1)
	}
	for k, c := range base.cells {
		add(k, c, -1)
	}
	var sites []Site
	for _, g := range groups {
		if g.site.Bytes <= 0 {
			continue
		}
		var best Frame
		bestBytes := int64(math.MinInt64)
		for f, b := range g.allocBytes {
			if b > bestBytes || b == bestBytes && frameLess(f, best) {
				best, bestBytes = f, b
			}
		}
		g.site.AllocFunction, g.site.AllocFile, g.site.AllocLine = best.Function, best.File, best.Line
		sites = append(sites, g.site)
	}
	sortSites(sites)
	if top > 0 && len(sites) > top {
		sites = sites[:top]
	}
	return sites, nil
}

func sortSites(sites []Site) {
	slices.SortFunc(sites, func(a, b Site) int {
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
