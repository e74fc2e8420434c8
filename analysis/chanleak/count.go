package chanleak

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"math"
	"slices"
	"sort"
)

// unbounded is the count of an operation that may run any number of times.
const unbounded = -1

func add(a, b int) int {
	if a < 0 || b < 0 {
		return unbounded
	}
	return min(a+b, math.MaxInt32)
}

func mul(a, b int) int {
	switch {
	case a == 0 || b == 0:
		return 0
	case a < 0 || b < 0:
		return unbounded
	}
	return min(a*b, math.MaxInt32)
}

func maxCount(a, b int) int {
	if a < 0 || b < 0 {
		return unbounded
	}
	return max(a, b)
}

// counter bounds how many sends on one channel the goroutines started by a
// function perform on any single path: exclusive branches count once, a send
// followed by return ends its path, a loop multiplies by its trip count when
// that is a constant, and a loop that leaves right after each of its sends
// counts once. A loop that also holds the channel's make counts once: each
// iteration makes a new channel.
type counter struct {
	info    *types.Info
	sends   []token.Pos // positions of the send statements, sorted
	makePos token.Pos
	// skip holds deferred recover handlers while goBody counts the body
	// without them; panicking selects which branch of a recover test
	// counts (see recoverBranch).
	skip      map[ast.Node]bool
	panicking bool
	inDefer   bool
	// stops caches firstStop per statement list; the counters of one
	// function share it (nil: not cached).
	stops map[*ast.Stmt]int
	steps *meter
}

// none marks a count with no such path.
const none = -2

// count is the most sends on paths that complete normally (fall) and on
// paths that leave the function (exit).
type count struct{ fall, exit int }

func addN(a, b int) int {
	if a == none || b == none {
		return none
	}
	return add(a, b)
}

func maxN(a, b int) int {
	switch {
	case a == none:
		return b
	case b == none:
		return a
	}
	return maxCount(a, b)
}

func (c count) max() int {
	if m := maxN(c.fall, c.exit); m != none {
		return m
	}
	return 0
}

func either(a, b count) count { return count{maxN(a.fall, b.fall), maxN(a.exit, b.exit)} }

// then is a followed by b.
func then(a, b count) count {
	return count{addN(a.fall, b.fall), maxN(a.exit, addN(a.fall, b.exit))}
}

func (k *counter) in(p token.Pos) bool {
	_, ok := slices.BinarySearch(k.sends, p)
	return ok
}

// total is the most sends on any path through n.
func (k *counter) total(n ast.Node) int { return k.node(n).max() }

func (k *counter) node(n ast.Node) count {
	k.steps.tick()
	if n == nil {
		return count{0, none}
	}
	if k.skip[n] {
		return count{0, none}
	}
	switch n := n.(type) {
	case *ast.ReturnStmt:
		return count{none, k.plain(n)}
	case *ast.ExprStmt:
		if exits(k.info, n) {
			return count{none, k.plain(n)}
		}
	}
	if !has(k.sends, n.Pos(), n.End()) {
		return count{0, none}
	}
	switch n := n.(type) {
	case *ast.BlockStmt:
		return k.list(n.List)
	case *ast.LabeledStmt:
		return k.node(n.Stmt)
	case *ast.GoStmt:
		// The goroutine's own paths; the go statement itself completes.
		if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok {
			return count{k.goBody(lit.Body), none}
		}
	case *ast.IfStmt:
		if k.inDefer && isRecoverTest(k.info, n) {
			// if r := recover(); r != nil {...}: the body runs only on
			// a panic, the else branch only without one.
			if k.panicking {
				return then(k.node(n.Init), k.node(n.Body))
			}
			return then(k.node(n.Init), k.node(n.Else))
		}
		els := count{0, none}
		if n.Else != nil {
			els = k.node(n.Else)
		}
		return then(then(k.node(n.Init), k.node(n.Cond)), either(k.node(n.Body), els))
	case *ast.SwitchStmt:
		return then(then(k.node(n.Init), k.node(n.Tag)), k.clauses(n.Body, true))
	case *ast.TypeSwitchStmt:
		return then(then(k.node(n.Init), k.node(n.Assign)), k.clauses(n.Body, true))
	case *ast.SelectStmt:
		return k.clauses(n.Body, false)
	case *ast.CaseClause:
		return k.list(n.Body)
	case *ast.CommClause:
		return then(k.node(n.Comm), k.list(n.Body))
	case *ast.ForStmt:
		return then(k.node(n.Init), k.loop(n.Body, n, forBound(k.info, n)))
	case *ast.RangeStmt:
		return then(k.node(n.X), k.loop(n.Body, n, rangeBound(k.info, n)))
	}
	return count{k.plain(n), none}
}

// plain counts each send in n once, including those of function literals
// it holds.
func (k *counter) plain(n ast.Node) int {
	lo, _ := slices.BinarySearch(k.sends, n.Pos())
	hi, _ := slices.BinarySearch(k.sends, n.End())
	return hi - lo
}

// list is the count of a statement list. Only the statements holding a
// send and the first one that ends every path (after which the rest is
// unreachable) change it: any other counts {0, none}, which leaves the
// count unchanged. So list jumps from one such statement to the next, and
// a long function costs each of its channels the statements holding its
// sends, not all of the function's statements.
func (k *counter) list(l []ast.Stmt) count {
	c := count{0, none}
	if len(l) == 0 {
		return c
	}
	stop := k.firstStop(l)
	for i := k.nextSending(l, 0); ; i = k.nextSending(l, i+1) {
		i = min(i, stop)
		if i >= len(l) {
			break
		}
		c = then(c, k.node(l[i]))
		if c.fall == none || i == stop {
			break // the rest is unreachable
		}
	}
	return c
}

// firstStop is the index of the first statement of l that ends every path
// through it without a send of its own to count (a return, an exit call:
// see node), or len(l).
func (k *counter) firstStop(l []ast.Stmt) int {
	key := &l[0]
	if i, ok := k.stops[key]; ok {
		return i
	}
	i := slices.IndexFunc(l, func(s ast.Stmt) bool {
		k.steps.tick()
		switch s := s.(type) {
		case *ast.ReturnStmt:
			return true
		case *ast.ExprStmt:
			return exits(k.info, s)
		}
		return false
	})
	if i < 0 {
		i = len(l)
	}
	if k.stops != nil {
		k.stops[key] = i
	}
	return i
}

// nextSending is the index of the first statement of l, from i on, that
// holds one of the sends, or len(l).
func (k *counter) nextSending(l []ast.Stmt, i int) int {
	for i < len(l) {
		j, _ := slices.BinarySearch(k.sends, l[i].Pos())
		if j == len(k.sends) {
			return len(l)
		}
		p := k.sends[j]
		i += sort.Search(len(l)-i, func(m int) bool { return l[i+m].End() > p })
		if i < len(l) && l[i].Pos() <= p {
			return i
		}
	}
	return len(l)
}

// clauses is the count of the case that sends most; a switch without a
// default may also take none of them.
func (k *counter) clauses(body *ast.BlockStmt, isSwitch bool) count {
	c := count{none, none}
	hasDefault := false
	for _, cl := range body.List {
		if cc, ok := cl.(*ast.CaseClause); ok && cc.List == nil {
			hasDefault = true
		}
		c = either(c, k.node(cl))
	}
	if isSwitch && !hasDefault || len(body.List) == 0 {
		c = either(c, count{0, none})
	}
	return c
}

func (k *counter) loop(body *ast.BlockStmt, loop ast.Node, bound int) count {
	per := k.node(body)
	if f, ok := loop.(*ast.ForStmt); ok {
		per = then(per, then(k.node(f.Cond), k.node(f.Post)))
	}
	fall := per.fall
	if fall == none { // the body never completes: at most one iteration
		fall = 0
	}
	if fall == 0 || (loop.Pos() <= k.makePos && k.makePos < loop.End()) || k.leavesAfterEachSend(body) {
		return count{fall, per.exit}
	}
	return count{mul(bound, fall), addN(mul(bound, fall), per.exit)}
}

// leavesAfterEachSend reports whether every send in a loop body is followed
// directly by a statement that leaves the loop (return, break, an exit
// call), so that at most one iteration sends.
func (k *counter) leavesAfterEachSend(body *ast.BlockStmt) bool {
	lo, _ := slices.BinarySearch(k.sends, body.Pos())
	hi, _ := slices.BinarySearch(k.sends, body.End())
	want, got := hi-lo, 0
	var stmts func(list []ast.Stmt, nested bool)
	var stmt func(s ast.Stmt, nested bool)
	stmts = func(list []ast.Stmt, nested bool) {
		// Statements without a send count nothing.
		for i := k.nextSending(list, 0); i < len(list); i = k.nextSending(list, i+1) {
			s := list[i]
			if send, ok := s.(*ast.SendStmt); ok && k.in(send.Pos()) && i+1 < len(list) && leaves(k.info, list[i+1], nested) {
				got++
			}
			stmt(s, nested)
		}
	}
	stmt = func(s ast.Stmt, nested bool) {
		switch s := s.(type) {
		case *ast.BlockStmt:
			stmts(s.List, nested)
		case *ast.LabeledStmt:
			stmt(s.Stmt, nested)
		case *ast.IfStmt:
			stmts(s.Body.List, nested)
			if s.Else != nil {
				stmt(s.Else, nested)
			}
		case *ast.SwitchStmt:
			for _, c := range s.Body.List {
				if cc, ok := c.(*ast.CaseClause); ok {
					stmts(cc.Body, true)
				}
			}
		case *ast.TypeSwitchStmt:
			for _, c := range s.Body.List {
				if cc, ok := c.(*ast.CaseClause); ok {
					stmts(cc.Body, true)
				}
			}
		case *ast.SelectStmt:
			for _, c := range s.Body.List {
				cc, ok := c.(*ast.CommClause)
				if !ok {
					continue
				}
				if send, ok := cc.Comm.(*ast.SendStmt); ok && k.in(send.Pos()) && len(cc.Body) > 0 && leaves(k.info, cc.Body[0], true) {
					got++
				}
				stmts(cc.Body, true)
			}
		case *ast.ForStmt:
			stmts(s.Body.List, true)
		case *ast.RangeStmt:
			stmts(s.Body.List, true)
		}
	}
	stmts(body.List, false)
	return got == want
}

// leaves reports whether s leaves the enclosing loop; nested says whether an
// unlabeled break would only leave an inner switch, select or loop.
func leaves(info *types.Info, s ast.Stmt, nested bool) bool {
	switch s := s.(type) {
	case *ast.ReturnStmt:
		return true
	case *ast.BranchStmt:
		return s.Tok == token.BREAK && (s.Label != nil || !nested)
	case *ast.ExprStmt:
		return exits(info, s)
	}
	return false
}

// hasExit reports whether a loop body can leave the loop other than by
// panicking: a return, a break that targets it, a goto, an exit call.
func hasExit(info *types.Info, body *ast.BlockStmt) bool {
	found := false
	var visit func(n ast.Node, nested bool) bool
	visit = func(n ast.Node, nested bool) bool {
		ast.Inspect(n, func(n ast.Node) bool {
			if found || n == nil {
				return false
			}
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.ReturnStmt:
				found = true
			case *ast.BranchStmt:
				found = n.Tok == token.GOTO || (n.Tok == token.BREAK && (n.Label != nil || !nested))
			case *ast.ExprStmt:
				found = exits(info, n)
			case *ast.SwitchStmt, *ast.TypeSwitchStmt, *ast.SelectStmt, *ast.ForStmt, *ast.RangeStmt:
				if !nested {
					visit(n, true)
					return false
				}
			}
			return !found
		})
		return found
	}
	for _, s := range body.List {
		if visit(s, false) {
			return true
		}
	}
	return false
}

// multiplicity is how many times the innermost of loops runs, given as the
// product of their trip counts; loops that also hold the channel's make do
// not count, since each of their iterations makes a new channel.
func multiplicity(info *types.Info, loops []ast.Node, makePos token.Pos) int {
	n := 1
	for _, l := range loops {
		if l.Pos() <= makePos && makePos < l.End() {
			continue
		}
		switch l := l.(type) {
		case *ast.ForStmt:
			n = mul(n, forBound(info, l))
		case *ast.RangeStmt:
			n = mul(n, rangeBound(info, l))
		default:
			n = unbounded
		}
	}
	return n
}

// forBound is the trip count of `for i := a; i < b; i++` (or <=) with
// constant a and b, or unbounded.
func forBound(info *types.Info, f *ast.ForStmt) int {
	init, ok := f.Init.(*ast.AssignStmt)
	if !ok || len(init.Lhs) != 1 || len(init.Rhs) != 1 || (init.Tok != token.DEFINE && init.Tok != token.ASSIGN) {
		return unbounded
	}
	id, ok := init.Lhs[0].(*ast.Ident)
	cond, ok2 := ast.Unparen(f.Cond).(*ast.BinaryExpr)
	post, ok3 := f.Post.(*ast.IncDecStmt)
	if !ok || !ok2 || !ok3 || post.Tok != token.INC {
		return unbounded
	}
	v := info.ObjectOf(id)
	cx, _ := ast.Unparen(cond.X).(*ast.Ident)
	px, _ := ast.Unparen(post.X).(*ast.Ident)
	if v == nil || cx == nil || px == nil || info.ObjectOf(cx) != v || info.ObjectOf(px) != v {
		return unbounded
	}
	from, ok := intConst(info, init.Rhs[0])
	to, ok2 := intConst(info, cond.Y)
	if !ok || !ok2 {
		return unbounded
	}
	n := to - from
	switch cond.Op {
	case token.LSS:
	case token.LEQ:
		n++
	default:
		return unbounded
	}
	return int(max(0, min(n, math.MaxInt32)))
}

// rangeBound is the trip count of a range over a constant integer or an
// array, or unbounded.
func rangeBound(info *types.Info, r *ast.RangeStmt) int {
	if n, ok := intConst(info, r.X); ok {
		return int(max(0, min(n, math.MaxInt32)))
	}
	t := info.TypeOf(r.X)
	if t == nil {
		return unbounded
	}
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	if a, ok := t.Underlying().(*types.Array); ok {
		return int(min(a.Len(), math.MaxInt32))
	}
	return unbounded
}

func intConst(info *types.Info, e ast.Expr) (int64, bool) {
	tv, ok := info.Types[e]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.Int {
		return 0, false
	}
	return constant.Int64Val(tv.Value)
}

// goBody is the most sends a goroutine's body makes, counting a deferred
// recover handler's sends as exclusive with the body's last send: the
// handler's `if r := recover(); r != nil { done <- err }` runs only when
// the body panicked, and if every send of the body is its last action
// (the last statement, or followed by return), a panicking body has not
// completed its last send. So `defer func() { if recover() != nil { done
// <- errPanic } }(); done <- fn(ctx)` sends once, not twice.
func (k *counter) goBody(body *ast.BlockStmt) int {
	var handlers []*ast.FuncLit
	skip := map[ast.Node]bool{}
	for i := k.nextSending(body.List, 0); i < len(body.List); i = k.nextSending(body.List, i+1) {
		d, ok := body.List[i].(*ast.DeferStmt)
		if !ok {
			continue
		}
		if lit, ok := ast.Unparen(d.Call.Fun).(*ast.FuncLit); ok && has(k.sends, lit.Pos(), lit.End()) && hasRecoverTest(k.info, lit.Body) {
			handlers = append(handlers, lit)
			skip[d] = true
		}
	}
	if len(handlers) == 0 {
		return k.total(body)
	}
	k.skip = skip
	main := k.total(body)
	k.skip = nil
	normal, panicked := 0, 0
	k.inDefer = true
	for _, h := range handlers {
		k.panicking = false
		normal = add(normal, k.total(h.Body))
		k.panicking = true
		panicked = add(panicked, k.total(h.Body))
	}
	k.inDefer, k.panicking = false, false
	before := main // sends completed before a panic
	if main > 0 && k.tailSends(body, handlers) {
		before = main - 1
	}
	return maxCount(add(main, normal), add(before, panicked))
}

// isRecoverTest reports whether ifs tests the result of recover():
// if r := recover(); r != nil, or if recover() != nil.
func isRecoverTest(info *types.Info, ifs *ast.IfStmt) bool {
	b, ok := ast.Unparen(ifs.Cond).(*ast.BinaryExpr)
	if !ok || b.Op != token.NEQ {
		return false
	}
	if call, ok := ast.Unparen(b.X).(*ast.CallExpr); ok && isBuiltin(info, call, "recover") {
		return true
	}
	id, ok := ast.Unparen(b.X).(*ast.Ident)
	as, ok2 := ifs.Init.(*ast.AssignStmt)
	if !ok || !ok2 || len(as.Lhs) != 1 || len(as.Rhs) != 1 {
		return false
	}
	lhs, ok := as.Lhs[0].(*ast.Ident)
	call, ok2 := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
	return ok && ok2 && lhs.Name == id.Name && isBuiltin(info, call, "recover")
}

func hasRecoverTest(info *types.Info, body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if ifs, ok := n.(*ast.IfStmt); ok && isRecoverTest(info, ifs) {
			found = true
		}
		_, lit := n.(*ast.FuncLit)
		return !found && !lit
	})
	return found
}

// tailSends reports whether every send of body outside the handlers is the
// last thing its path does: the last statement of the body (or of a
// branch that is itself last), or followed directly by a return.
func (k *counter) tailSends(body *ast.BlockStmt, handlers []*ast.FuncLit) bool {
	want := k.plain(body)
	for _, h := range handlers {
		want -= k.plain(h)
	}
	got := 0
	var walk func(list []ast.Stmt, last bool)
	walk = func(list []ast.Stmt, last bool) {
		// Statements without a send count nothing.
		for i := k.nextSending(list, 0); i < len(list); i = k.nextSending(list, i+1) {
			st := list[i]
			end := i == len(list)-1 && last
			if s, ok := st.(*ast.SendStmt); ok && k.in(s.Pos()) {
				if end || (i+1 < len(list) && isReturn(list[i+1])) {
					got++
				}
				continue
			}
			switch st := st.(type) {
			case *ast.BlockStmt:
				walk(st.List, end)
			case *ast.IfStmt:
				walk(st.Body.List, end)
				switch e := st.Else.(type) {
				case *ast.BlockStmt:
					walk(e.List, end)
				case *ast.IfStmt:
					walk([]ast.Stmt{e}, end)
				}
			}
		}
	}
	walk(body.List, true)
	return got == want
}

func isReturn(s ast.Stmt) bool {
	_, ok := s.(*ast.ReturnStmt)
	return ok
}
