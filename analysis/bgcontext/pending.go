package bgcontext

import (
	"cmp"
	"go/ast"
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/ast/inspector"
)

// Background contexts assigned to a local variable: which context-taking
// call the variable carries them to.

// scanState collects, for one handler, the assignments to and uses of the
// variables pending Background()/TODO() calls were assigned to.
type scanState struct {
	vars    map[*types.Var]bool
	byCall  map[*ast.CallExpr]*pending
	events  map[*types.Var][]event
	addr    map[*types.Var]bool // address taken: assignments unknown
	handled map[*ast.Ident]bool // assigned to or counted as a use
}

// event is an assignment to a tracked variable (taking effect at pos, the
// end of the statement; p is set when it assigns a pending call), a use of
// it as a context argument of call, or any other use (other).
type event struct {
	pos    token.Pos
	assign bool
	p      *pending
	call   *ast.CallExpr
	other  bool
}

func (s *scanState) tracked(info *types.Info, e ast.Expr) *types.Var {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return nil
	}
	if v, ok := info.ObjectOf(id).(*types.Var); ok && s.vars[v] {
		return v
	}
	return nil
}

func (s *scanState) assign(info *types.Info, lhs ast.Expr, rhs ast.Expr, pos token.Pos) {
	v := s.tracked(info, lhs)
	if v == nil {
		return
	}
	s.handled[ast.Unparen(lhs).(*ast.Ident)] = true
	var p *pending
	if call, ok := ast.Unparen(rhs).(*ast.CallExpr); ok {
		p = s.byCall[call]
	}
	s.events[v] = append(s.events[v], event{pos: pos, assign: true, p: p})
}

// resolvePending walks each handler with pending calls once and reports a
// pending call when, in source order, the variable's next use as a
// context argument still holds it (no assignment in between).
func (c *checker) resolvePending() []finding {
	var out []finding
	for _, h := range c.order {
		s := &scanState{
			vars:    make(map[*types.Var]bool),
			byCall:  make(map[*ast.CallExpr]*pending),
			events:  make(map[*types.Var][]event),
			addr:    make(map[*types.Var]bool),
			handled: make(map[*ast.Ident]bool),
		}
		for _, p := range c.pending[h] {
			s.vars[p.v] = true
			s.byCall[p.bg] = p
		}
		c.scan(h.cur, false, s)
		vars := make([]*types.Var, 0, len(s.events))
		for v := range s.events {
			vars = append(vars, v)
		}
		slices.SortFunc(vars, func(a, b *types.Var) int { return cmp.Compare(a.Pos(), b.Pos()) })
		for _, v := range vars {
			if s.addr[v] {
				continue
			}
			evs := s.events[v]
			slices.SortStableFunc(evs, func(a, b event) int { return cmp.Compare(a.pos, b.pos) })
			var cur *pending
			for _, e := range evs {
				switch {
				case e.assign:
					cur = e.p
				case cur == nil:
				case e.other:
					cur.other = true
				case cur.first == nil:
					cur.first = e.call
				}
			}
		}
		for _, p := range c.pending[h] {
			if p.first != nil && !s.addr[p.v] {
				out = append(out, finding{bg: p.bg, to: p.first, via: p.v, h: h, file: p.file, noFix: p.other})
			}
		}
	}
	return out
}

var scanTypes = []ast.Node{
	(*ast.GoStmt)(nil), (*ast.DeferStmt)(nil), (*ast.FuncLit)(nil), (*ast.CallExpr)(nil),
	(*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil), (*ast.RangeStmt)(nil), (*ast.UnaryExpr)(nil),
	(*ast.Ident)(nil),
}

// scan records the events of s's variables under root. Uses inside go and
// defer statements and detached functions (exempt) are other uses, not
// context-taking calls; nested handlers are skipped.
func (c *checker) scan(root inspector.Cursor, exempt bool, s *scanState) {
	top := root.Node()
	root.Inspect(scanTypes, func(cur inspector.Cursor) bool {
		n := cur.Node()
		if n == top {
			return true
		}
		switch n := n.(type) {
		case *ast.GoStmt, *ast.DeferStmt:
			if !exempt {
				c.scan(cur, true, s)
				return false
			}
		case *ast.FuncLit:
			if c.handlerOf(cur) != nil {
				return false
			}
			if !exempt && c.detachedLit(cur) {
				c.scan(cur, true, s)
				return false
			}
		case *ast.CallExpr:
			if exempt {
				break
			}
			for i, arg := range n.Args {
				if v := s.tracked(c.info, arg); v != nil && c.countsAsUse(n, i) {
					s.events[v] = append(s.events[v], event{pos: arg.Pos(), call: n})
					s.handled[ast.Unparen(arg).(*ast.Ident)] = true
				}
			}
		case *ast.AssignStmt:
			for i, lhs := range n.Lhs {
				var rhs ast.Expr
				if len(n.Lhs) == len(n.Rhs) {
					rhs = n.Rhs[i]
				}
				s.assign(c.info, lhs, rhs, n.End())
			}
		case *ast.ValueSpec:
			for i, name := range n.Names {
				var rhs ast.Expr
				if len(n.Names) == len(n.Values) {
					rhs = n.Values[i]
				}
				s.assign(c.info, name, rhs, n.End())
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if e != nil {
					s.assign(c.info, e, nil, n.Body.Pos())
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				if v := s.tracked(c.info, n.X); v != nil {
					s.addr[v] = true
				}
			}
		case *ast.Ident:
			// Parents are visited first: assignments and counted uses
			// have marked their identifiers by now.
			if v := s.tracked(c.info, n); v != nil && !s.handled[n] && c.info.Uses[n] == v {
				s.events[v] = append(s.events[v], event{pos: n.Pos(), other: true})
			}
		}
		return true
	})
}
