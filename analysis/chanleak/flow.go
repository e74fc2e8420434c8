package chanleak

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"sort"
)

// The flow check follows the function's own statements after a go statement
// and asks whether every path reaches an operation that serves the goroutine
// (a receive for a sender, a send for a receiver) before the function
// returns. It is structural, not a control-flow graph: loops are assumed to
// run their body at least once, goto is ignored, and a labeled break is
// taken to leave the innermost loop. Only paths that have not yet been served
// are tracked.

// via is the select case through which an unserved path went.
type via struct {
	sel    *ast.SelectStmt
	clause *ast.CommClause
}

// leak is an unserved path out of the function: a return statement, or the
// end of the body when ret is nil.
type leak struct {
	ret      *ast.ReturnStmt
	scopeEnd token.Pos // the channel variable went out of scope here
	via      *via
}

// The ways out of a statement for a path that entered it unserved.
const (
	kFall = iota // completes normally
	kBrk         // unlabeled break
	kLbrk        // labeled break
	kCont        // continue
	nKinds
)

// flow is what can come out of a statement on paths that entered it
// unserved: which ways out are possible, for each the select case the path
// went around (if any), and the first unserved return.
type flow struct {
	out  [nKinds]bool
	via  [nKinds]*via
	leak *leak
}

func fallFlow(v *via) flow {
	var f flow
	f.out[kFall], f.via[kFall] = true, v
	return f
}

func (f flow) pending() bool { return f.out != [nKinds]bool{} }

// add merges outcome k of g (entered through v) into f.
func (f *flow) add(k int, g flow, v *via) {
	if !g.out[k] {
		return
	}
	f.out[k] = true
	if f.via[k] == nil {
		f.via[k] = g.via[k]
		if f.via[k] == nil {
			f.via[k] = v
		}
	}
}

func join(a, b flow) flow {
	out := a
	for k := range nKinds {
		out.add(k, b, nil)
	}
	return out
}

// move turns outcome from into outcome to, as a loop turns a break into
// normal completion.
func (f *flow) move(from, to int) {
	if !f.out[from] {
		return
	}
	f.out[from] = false
	f.out[to] = true
	if f.via[to] == nil {
		f.via[to] = f.via[from]
	}
	f.via[from] = nil
}

// firstVia is the select case of some pending outcome, normal completion
// first.
func (f flow) firstVia() *via {
	for k := range nKinds {
		if f.out[k] && f.via[k] != nil {
			return f.via[k]
		}
	}
	return nil
}

// cover holds the sorted positions of the serving operations in the
// function's own flow and of the statements that may leave it early; a
// statement containing neither simply completes, which keeps the check cheap.
type cover struct {
	info  *types.Info
	serve []token.Pos
	exits []token.Pos
	scope *types.Scope // of the channel variable; leaving it abandons the channel
	steps *meter
}

func has(ps []token.Pos, lo, hi token.Pos) bool {
	i := sort.Search(len(ps), func(i int) bool { return ps[i] >= lo })
	return i < len(ps) && ps[i] < hi
}

// serves reports whether evaluating n performs a serving operation.
func (c *cover) serves(n ast.Node) bool {
	return n != nil && has(c.serve, n.Pos(), n.End())
}

// after returns the first unserved path out of the function that starts right
// after the statement anc[len(anc)-1] (anc runs from the body down to it), or
// nil when every path is served.
func (c *cover) after(anc []ast.Node) *leak {
	st := fallFlow(nil)
	for i := len(anc) - 1; i > 0; i-- {
		child, parent := anc[i], anc[i-1]
		if c.scope != nil && child.Pos() == c.scope.Pos() && child.End() == c.scope.End() {
			// Past this block nothing can name the channel any more;
			// in a loop, the next iteration makes a new one.
			if st.pending() {
				return &leak{scopeEnd: child.End(), via: st.firstVia()}
			}
			return nil
		}
		switch p := parent.(type) {
		case *ast.ForStmt:
			if child == p.Body {
				st = leaveLoop(st, p.Cond == nil)
			}
		case *ast.RangeStmt:
			if child == p.Body {
				st = leaveLoop(st, false)
			}
		case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt:
			st.move(kBrk, kFall)
		}
		if !st.pending() {
			return nil
		}
		list := stmtList(parent, child)
		if list == nil || !st.out[kFall] {
			continue
		}
		idx := indexOf(list, child)
		if idx < 0 {
			continue
		}
		f := c.seq(list[idx+1:], st.via[kFall])
		if f.leak != nil {
			return f.leak
		}
		next := flow{}
		next.add(kFall, f, nil)
		for _, k := range []int{kBrk, kLbrk, kCont} {
			next.add(k, st, nil)
			next.add(k, f, nil)
		}
		st = next
	}
	if st.pending() {
		return &leak{via: st.firstVia()}
	}
	return nil
}

// indexOf is the index of stmt in list, or -1: found by position, as the
// statements of a list are in source order, so that a long function does
// not cost each of its channels a scan of its statements.
func indexOf(list []ast.Stmt, stmt ast.Node) int {
	i := sort.Search(len(list), func(i int) bool { return list[i].End() > stmt.Pos() })
	if i < len(list) && ast.Node(list[i]) == stmt {
		return i
	}
	return slices.IndexFunc(list, func(s ast.Stmt) bool { return ast.Node(s) == stmt })
}

// leaveLoop is the flow after a loop whose body ended with st. A loop
// without a condition is left only by break; one with a condition is assumed
// to run its body at least once.
func leaveLoop(st flow, forever bool) flow {
	ways := []int{kFall, kBrk, kLbrk, kCont}
	if forever {
		ways = []int{kBrk, kLbrk}
	}
	out := flow{}
	for _, k := range ways {
		if st.out[k] {
			out.out[kFall] = true
			if out.via[kFall] == nil {
				out.via[kFall] = st.via[k]
			}
		}
	}
	return out
}

// stmtList returns the statement list of parent that holds child.
func stmtList(parent, child ast.Node) []ast.Stmt {
	switch p := parent.(type) {
	case *ast.BlockStmt:
		switch child.(type) {
		case *ast.CaseClause, *ast.CommClause:
			return nil
		}
		return p.List
	case *ast.CaseClause:
		return p.Body
	case *ast.CommClause:
		return p.Body
	}
	return nil
}

// seq is the flow of a statement list entered unserved through v.
func (c *cover) seq(list []ast.Stmt, v *via) flow {
	out := flow{}
	for i := c.next(list, 0); i < len(list); i = c.next(list, i+1) {
		f := c.stmt(list[i])
		if f.leak != nil {
			if f.leak.via == nil {
				f.leak.via = v
			}
			return flow{leak: f.leak}
		}
		for _, k := range []int{kBrk, kLbrk, kCont} {
			out.add(k, f, v)
		}
		if !f.out[kFall] {
			return out
		}
		if f.via[kFall] != nil {
			v = f.via[kFall]
		}
	}
	out.out[kFall], out.via[kFall] = true, v
	return out
}

// next is the index of the first statement of list, from i on, that holds
// a serving operation or an early exit, or len(list): any other statement
// simply completes (see stmt) and leaves the flow of a list as it is, so
// seq jumps over it.
func (c *cover) next(list []ast.Stmt, i int) int {
	if i >= len(list) {
		return len(list)
	}
	from := list[i].Pos()
	q := token.NoPos
	for _, ps := range [][]token.Pos{c.serve, c.exits} {
		if j := sort.Search(len(ps), func(j int) bool { return ps[j] >= from }); j < len(ps) && (!q.IsValid() || ps[j] < q) {
			q = ps[j]
		}
	}
	if !q.IsValid() {
		return len(list)
	}
	return i + sort.Search(len(list)-i, func(m int) bool { return list[i+m].End() > q })
}

func (c *cover) stmt(s ast.Stmt) flow {
	c.steps.tick()
	if !has(c.serve, s.Pos(), s.End()) && !has(c.exits, s.Pos(), s.End()) {
		return fallFlow(nil)
	}
	switch s := s.(type) {
	case *ast.BlockStmt:
		return c.seq(s.List, nil)
	case *ast.LabeledStmt:
		return c.stmt(s.Stmt)
	case *ast.ReturnStmt:
		if c.serves(s) {
			return flow{}
		}
		return flow{leak: &leak{ret: s}}
	case *ast.BranchStmt:
		var f flow
		switch {
		case s.Tok == token.BREAK && s.Label != nil:
			f.out[kLbrk] = true
		case s.Tok == token.BREAK:
			f.out[kBrk] = true
		case s.Tok == token.CONTINUE:
			f.out[kCont] = true
		default: // goto, fallthrough: not followed
			f.out[kFall] = true
		}
		return f
	case *ast.ExprStmt:
		if c.serves(s) || exits(c.info, s) {
			return flow{}
		}
		return fallFlow(nil)
	case *ast.IfStmt:
		if c.serves(s.Init) || c.serves(s.Cond) {
			return flow{}
		}
		b := c.seq(s.Body.List, nil)
		if b.leak != nil {
			return b
		}
		e := fallFlow(nil)
		if s.Else != nil {
			if e = c.stmt(s.Else); e.leak != nil {
				return e
			}
		}
		return join(b, e)
	case *ast.SwitchStmt:
		if c.serves(s.Init) || c.serves(s.Tag) {
			return flow{}
		}
		return c.clauses(s.Body)
	case *ast.TypeSwitchStmt:
		if c.serves(s.Init) || c.serves(s.Assign) {
			return flow{}
		}
		return c.clauses(s.Body)
	case *ast.SelectStmt:
		return c.selectStmt(s)
	case *ast.ForStmt:
		if c.serves(s.Init) || c.serves(s.Cond) {
			return flow{}
		}
		b := c.seq(s.Body.List, nil)
		if b.leak != nil {
			return b
		}
		return leaveLoop(b, s.Cond == nil)
	case *ast.RangeStmt:
		if has(c.serve, s.Pos(), s.X.End()) {
			return flow{}
		}
		b := c.seq(s.Body.List, nil)
		if b.leak != nil {
			return b
		}
		return leaveLoop(b, false)
	}
	if c.serves(s) {
		return flow{}
	}
	return fallFlow(nil)
}

// clauses is the flow of a switch body.
func (c *cover) clauses(body *ast.BlockStmt) flow {
	out := flow{}
	hasDefault := false
	for _, cl := range body.List {
		cc, ok := cl.(*ast.CaseClause)
		if !ok {
			continue
		}
		hasDefault = hasDefault || cc.List == nil
		f := c.seq(cc.Body, nil)
		if f.leak != nil {
			return f
		}
		out = join(out, f)
	}
	if !hasDefault {
		out.out[kFall] = true
	}
	out.move(kBrk, kFall)
	return out
}

// selectStmt is the flow of a select: a case whose communication serves is
// served; any other case is a way around the serving operation, and the
// paths through it remember the case for the message.
func (c *cover) selectStmt(s *ast.SelectStmt) flow {
	out := flow{}
	for _, cl := range s.Body.List {
		cc, ok := cl.(*ast.CommClause)
		if !ok || (cc.Comm != nil && c.serves(cc.Comm)) {
			continue
		}
		f := c.seq(cc.Body, &via{sel: s, clause: cc})
		if f.leak != nil {
			return f
		}
		out = join(out, f)
	}
	out.move(kBrk, kFall)
	return out
}
