package globalcache

import (
	"fmt"
	"go/ast"
	"go/token"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/ginleak/ginleak/analysis/rule"
)

// reach is how a unit is reached from the handlers.
type reach struct {
	any, unlocked bool
	via           int // the handler unit it was first reached from
}

// reachability walks the same-package call graph from the root units,
// following edges only into units for which follow holds. A unit is reached
// unlocked if some path reaches it with no mutex locked along the way.
func (w *walker) reachability(root, follow func(u int) bool) []reach {
	r := make([]reach, len(w.units))
	type state struct {
		u      int
		locked bool
	}
	var queue []state
	for u := range w.units {
		if root(u) {
			r[u] = reach{any: true, unlocked: true, via: u}
			queue = append(queue, state{u, false})
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range w.units[s.u].edges {
			to, ok := w.unitOf[e.to]
			if !ok || !follow(to) {
				continue
			}
			locked := s.locked || e.locked
			switch {
			case !r[to].any:
				r[to] = reach{any: true, unlocked: !locked, via: r[s.u].via}
			case !locked && !r[to].unlocked:
				r[to].unlocked = true
			default:
				continue
			}
			queue = append(queue, state{to, locked})
		}
	}
	return r
}

// fromOwner is how the units of fn are reached from the kept handler
// literals written inside fn, following only units written inside fn. Those
// are the paths on which one instance of a local of fn, made when fn ran
// once, is written after fn has returned: a kept literal captured it. A path
// that leaves fn (into a function declaration, or into fn itself called
// again) reaches a fresh instance of the local made by that call, which
// lives for that call only. Nil if fn has no kept literal. Call after
// resolveKept.
func (w *walker) fromOwner(fn ast.Node) []reach {
	inside := func(u int) bool { return w.units[u].strictlyIn(fn) }
	found := false
	for u := range w.units {
		if inside(u) && w.keptLit(u) {
			found = true
			break
		}
	}
	if !found {
		return nil
	}
	return w.reachability(func(u int) bool { return inside(u) && w.keptLit(u) }, inside)
}

func (w *walker) report(rep *rule.Reporter) {
	var ts []target
	for t, ti := range w.targets {
		if !ti.removed && !w.cleared[t.root] && len(ti.writes) > 0 {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return
	}
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].root.Pos() != ts[j].root.Pos() {
			return ts[i].root.Pos() < ts[j].root.Pos()
		}
		return ts[i].name() < ts[j].name()
	})
	// From the handlers for package-level targets; for local ones, from the
	// kept handler literals of the function declaring them.
	var fromHandlers []reach
	var fromKept map[ast.Node][]reach
	for _, t := range ts {
		ti := w.targets[t]
		l, isLocal := w.locals[t.root]
		var r []reach
		switch {
		case !isLocal:
			if fromHandlers == nil {
				fromHandlers = w.reachability(func(u int) bool { return w.units[u].handler },
					func(int) bool { return true })
			}
			r = fromHandlers
		default:
			if fromKept == nil {
				w.resolveKept()
				fromKept = make(map[ast.Node][]reach)
			}
			var ok bool
			if r, ok = fromKept[l.owner]; !ok {
				r = w.fromOwner(l.owner)
				fromKept[l.owner] = r
			}
			if r == nil {
				continue // no handler made here outlives the call: fresh on every call
			}
		}
		var first, race *site
		for i := range ti.writes {
			s := &ti.writes[i]
			if !r[s.unit].any {
				continue
			}
			if first == nil || s.pos < first.pos {
				first = s
			}
			if ti.kind != kindSyncMap && !s.locked && r[s.unit].unlocked && (race == nil || s.pos < race.pos) {
				race = s
			}
		}
		if first == nil {
			continue
		}
		rep.Report(analysis.Diagnostic{
			Pos:     t.root.Pos(),
			End:     t.root.Pos() + token.Pos(len(t.root.Name())),
			Message: w.message(t, l, ti.kind, first, race, r),
		})
	}
}

func (w *walker) message(t target, l local, k kind, first, race *site, r []reach) string {
	what, verb, never, advice := "map", "written", "nothing ever deletes from it",
		"use a bounded TTL/LRU cache (e.g. github.com/maypok86/otter/v2) or delete entries"
	switch k {
	case kindSyncMap:
		what, verb = "sync.Map", "stored"
	case kindSlice:
		what, verb, never, advice = "slice", "appended", "nothing ever trims it",
			"cap its length, trim or reset it, or use a bounded ring buffer"
	}
	var b strings.Builder
	if l.owner != nil {
		fmt.Fprintf(&b, "%s %s, local to %s and captured by a handler closure, grows on every request (%s at %s %s) and %s: "+
			"the closure keeps it alive as long as the handler is registered (for the life of the server), so memory grows without bound — %s",
			what, t.name(), l.name, verb, w.where(first.pos), w.in(first.unit, r), never, advice)
	} else {
		fmt.Fprintf(&b, "package-level %s %s grows on every request (%s at %s %s) and %s: memory grows without bound — %s",
			what, t.name(), verb, w.where(first.pos), w.in(first.unit, r), never, advice)
	}
	if race != nil {
		if race == first {
			b.WriteString("; the write is also a data race: no mutex is held")
		} else {
			fmt.Fprintf(&b, "; the write at %s is also a data race: no mutex is held", w.where(race.pos))
		}
	}
	return b.String()
}

func (w *walker) where(pos token.Pos) string {
	p := w.pass.Fset.Position(pos)
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}

func (w *walker) in(u int, r []reach) string {
	if w.units[u].handler {
		return "in handler " + w.units[u].name
	}
	return "in " + w.units[u].name + ", reached from handler " + w.units[r[u].via].name
}
