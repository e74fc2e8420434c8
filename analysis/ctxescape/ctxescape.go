package ctxescape

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/internal/callfacts"
	"github.com/ginleak/ginleak/analysis/internal/fixutil"
	"github.com/ginleak/ginleak/analysis/rule"
)

// Analyzer reports a *gin.Context that outlives its request.
var Analyzer = &analysis.Analyzer{
	Name:       "ctxescape",
	Doc:        Doc,
	URL:        rule.DocsBase + "ctxescape.md",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: rule.ResultType,
	FactTypes:  []analysis.Fact{new(Fact)},
	Run:        run,
}

// Rule is the analyzer with its stable metadata.
var Rule = rule.Rule{
	Analyzer: Analyzer,
	ID:       ruleID,
	Title:    "*gin.Context outlives its request",
	Severity: rule.Error,
	Since:    "v0.1.0",
}

// ruleID is a constant so that run need not refer to Rule, which refers
// to Analyzer, which refers to run.
const ruleID = "GL1001"

const errgroupPath = "golang.org/x/sync/errgroup"

const reuse = "gin reuses the context for the next request"

func run(pass *analysis.Pass) (any, error) {
	rep := rule.NewReporter(pass, ruleID)
	if !gintypes.ImportsGinOrHTTP(pass.Pkg) {
		return rep.Result(), nil
	}
	insp, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return rep.Result(), nil
	}
	a := &checker{
		pass:     pass,
		info:     pass.TypesInfo,
		rep:      rep,
		copies:   copyOnlyVars(pass.TypesInfo, insp),
		member:   make(map[*ast.Ident]string),
		sums:     summarize(pass),
		silencer: callfacts.NewSilencer(pass, ruleID),
	}
	nodes := []ast.Node{(*ast.GoStmt)(nil), (*ast.CallExpr)(nil), (*ast.AssignStmt)(nil), (*ast.SendStmt)(nil)}
	for cur := range insp.Root().Preorder(nodes...) {
		switch n := cur.Node().(type) {
		case *ast.GoStmt:
			a.goStmt(cur, n)
		case *ast.CallExpr:
			a.call(cur, n)
		case *ast.AssignStmt:
			a.assign(cur, n)
		case *ast.SendStmt:
			a.send(cur, n)
		}
	}
	a.resolveCalls()
	a.flush()
	a.sums.export()
	return rep.Result(), nil
}

type checker struct {
	pass   *analysis.Pass
	info   *types.Info
	rep    *rule.Reporter
	copies map[*types.Var]copyState
	// reported holds the ranges already reported per context variable, so
	// that a send or a nested goroutine inside a reported goroutine is not
	// reported (and fixed) twice.
	reported []region
	files    map[string][]byte
	// member maps a collected use of a context to the member selected on
	// it (JSON in c.JSON), to tell reads from response writes.
	member map[*ast.Ident]string
	// diags are the findings in order; pending, those that may get a fix.
	diags   []analysis.Diagnostic
	pending []pending
	// sums summarises the package's functions with *gin.Context
	// parameters; escapes are parameters newly found to escape, calls the
	// synchronous calls that escape if their callee's parameter does.
	sums     *summaries
	silencer *callfacts.Silencer
	escapes  []paramKey
	calls    []*syncCall
}

type region struct {
	pos, end token.Pos
	v        *types.Var
}

// copyState tells whether a *gin.Context variable only ever holds a copy.
type copyState uint8

const (
	unknown  copyState = iota
	copyOnly           // every assignment is x.Copy()
	tainted            // some assignment is not
	zero               // declared without a value and never assigned
)

// copyOnlyVars finds the *gin.Context variables every assignment of which
// is a call of Copy: those are safe to hand to a goroutine. Parameters and
// anything else stay unknown, hence unsafe.
func copyOnlyVars(info *types.Info, insp *inspector.Inspector) map[*types.Var]copyState {
	m := make(map[*types.Var]copyState)
	note := func(lhs ast.Expr, rhs ast.Expr) {
		id, ok := ast.Unparen(lhs).(*ast.Ident)
		if !ok {
			return
		}
		v := ctxVar(info.ObjectOf(id))
		if v == nil {
			return
		}
		if rhs != nil && isCopy(info, rhs, m) {
			if m[v] != tainted {
				m[v] = copyOnly
			}
			return
		}
		m[v] = tainted
	}
	for n := range insp.PreorderSeq((*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil), (*ast.RangeStmt)(nil)) {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				var r ast.Expr
				if len(n.Lhs) == len(n.Rhs) {
					r = n.Rhs[i]
				}
				note(l, r)
			}
		case *ast.ValueSpec:
			if len(n.Values) == 0 {
				// The zero value, nil, is harmless until assigned.
				for _, id := range n.Names {
					if v := ctxVar(info.Defs[id]); v != nil && m[v] == unknown {
						m[v] = zero
					}
				}
				continue
			}
			for i, l := range n.Names {
				var r ast.Expr
				if len(n.Names) == len(n.Values) {
					r = n.Values[i]
				}
				note(l, r)
			}
		case *ast.RangeStmt:
			if n.Key != nil {
				note(n.Key, nil)
			}
			if n.Value != nil {
				note(n.Value, nil)
			}
		}
	}
	return m
}

// isCopy reports whether e is x.Copy() on a *gin.Context, or a variable
// known so far to hold only copies.
func isCopy(info *types.Info, e ast.Expr, m map[*types.Var]copyState) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.CallExpr:
		return gintypes.IsContextMethod(info, e, "Copy")
	case *ast.Ident:
		v := ctxVar(info.Uses[e])
		return v != nil && (m[v] == copyOnly || m[v] == zero)
	}
	return false
}

// ctxVar returns obj if it is a local *gin.Context variable.
func ctxVar(obj types.Object) *types.Var {
	v, ok := obj.(*types.Var)
	if !ok || v.IsField() || gintypes.IsPackageLevel(v) || !gintypes.IsGinContext(v.Type()) {
		return nil
	}
	return v
}

// unsafeVar returns the variable id uses if it is a *gin.Context that may
// be the request's own context (not a copy).
func (a *checker) unsafeVar(id *ast.Ident) *types.Var {
	v := ctxVar(a.info.Uses[id])
	if v == nil {
		return nil
	}
	if st := a.copies[v]; st == copyOnly || st == zero {
		return nil
	}
	return v
}

// holds appends to out the uses of unsafe contexts that the value of e
// keeps alive: the context itself, a conversion of it, a composite literal
// or append holding it, a method value bound to it, or a function literal
// capturing it. Other expressions (c.Query("x"), c.Request) are evaluated
// on the spot and keep nothing.
func (a *checker) holds(e ast.Expr, out []*ast.Ident) []*ast.Ident {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		if a.unsafeVar(e) != nil {
			out = append(out, e)
		}
	case *ast.FuncLit:
		out = a.captures(e, out)
	case *ast.CompositeLit:
		for _, elt := range e.Elts {
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				out = a.holds(kv.Key, out) // a map key; a field name is no variable
				elt = kv.Value
			}
			out = a.holds(elt, out)
		}
	case *ast.UnaryExpr:
		if e.Op == token.AND {
			out = a.holds(e.X, out)
		}
	case *ast.SelectorExpr:
		if sel, ok := a.info.Selections[e]; ok && sel.Kind() == types.MethodVal {
			n := len(out)
			out = a.holds(e.X, out)
			if len(out) == n+1 && out[n] == ast.Unparen(e.X) {
				a.member[out[n]] = e.Sel.Name
			}
		}
	case *ast.CallExpr:
		if tv, ok := a.info.Types[e.Fun]; ok && tv.IsType() {
			if len(e.Args) == 1 {
				out = a.holds(e.Args[0], out)
			}
			return out
		}
		if id, ok := ast.Unparen(e.Fun).(*ast.Ident); ok {
			if b, ok := a.info.Uses[id].(*types.Builtin); ok && b.Name() == "append" {
				for _, arg := range e.Args {
					out = a.holds(arg, out)
				}
			}
		}
	}
	return out
}

// captures appends the uses, inside lit, of unsafe contexts declared
// outside it.
func (a *checker) captures(lit *ast.FuncLit, out []*ast.Ident) []*ast.Ident {
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := ast.Unparen(sel.X).(*ast.Ident); ok {
				a.member[id] = sel.Sel.Name
			}
			return true
		}
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		if v := a.unsafeVar(id); v != nil && (v.Pos() < lit.Pos() || v.Pos() >= lit.End()) {
			out = append(out, id)
		}
		return true
	})
	return out
}

// uncovered drops the uses already inside a reported range of the same
// variable.
func (a *checker) uncovered(ids []*ast.Ident) []*ast.Ident {
	if len(a.reported) == 0 {
		return ids
	}
	out := ids[:0]
next:
	for _, id := range ids {
		v := a.info.Uses[id]
		for _, r := range a.reported {
			if r.v == v && r.pos <= id.Pos() && id.End() <= r.end {
				continue next
			}
		}
		out = append(out, id)
	}
	return out
}

func (a *checker) goStmt(cur inspector.Cursor, g *ast.GoStmt) {
	ids := a.holds(g.Call.Fun, nil)
	_, isLit := ast.Unparen(g.Call.Fun).(*ast.FuncLit)
	used := isLit && len(ids) > 0
	for _, arg := range g.Call.Args {
		ids = a.holds(arg, ids)
	}
	ids = a.uncovered(ids)
	if len(ids) == 0 || a.waited(cur, g.Call) {
		return
	}
	names, c := varNames(ids)
	var msg string
	if used {
		msg = names + " used by a goroutine that can outlive the request; " + reuse + " — use " + c + ".Copy() or copy the values first"
		a.report(cur, g, ids, msg, "a goroutine uses it", "")
		return
	}
	// A function the goroutine runs may be summarised: name where it uses
	// the context, and whether a copy could do what it does.
	uses, writes := a.goHelper(g, ids)
	msg = names + " passed to a goroutine that can outlive the request" + uses + "; " + reuse + " — pass " + c + ".Copy() or the values it needs"
	a.report(cur, g, ids, msg, "it is passed to a goroutine", writes)
}

// call handles the functions that run a callback on another goroutine.
func (a *checker) call(cur inspector.Cursor, call *ast.CallExpr) {
	a.noteCall(cur, call)
	// Cheap name test first: this runs for every call in the package.
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		if id, isIdent := ast.Unparen(call.Fun).(*ast.Ident); !isIdent || id.Name != "AfterFunc" {
			return // AfterFunc may be dot-imported
		}
	} else if n := sel.Sel.Name; n != "AfterFunc" && n != "Go" && n != "TryGo" {
		return
	}
	fn := gintypes.Callee(a.info, call)
	if fn == nil || len(call.Args) == 0 {
		return
	}
	var arg ast.Expr
	timer := false
	switch {
	case gintypes.IsFunc(fn, "time", "AfterFunc") && len(call.Args) == 2:
		arg, timer = call.Args[1], true
	case gintypes.IsMethod(fn, isErrgroup, "Go", "TryGo") && len(call.Args) == 1,
		gintypes.IsMethod(fn, isWaitGroup, "Go") && len(call.Args) == 1:
		arg = call.Args[0]
	default:
		return
	}
	ids := a.uncovered(a.holds(arg, nil))
	if len(ids) == 0 {
		return
	}
	names, c := varNames(ids)
	var msg string
	if timer {
		msg = names + " used by a time.AfterFunc callback that can run after the request ends; " + reuse + " — use " + c + ".Copy() or copy the values first"
	} else {
		if a.waited(cur, call) {
			return
		}
		msg = names + " used by a goroutine that can outlive the request; " + reuse + " — use " + c + ".Copy() or copy the values first"
	}
	how := "a goroutine uses it"
	if timer {
		how = "a time.AfterFunc callback uses it"
	}
	a.report(cur, call, ids, msg, how, "")
}

func (a *checker) assign(cur inspector.Cursor, s *ast.AssignStmt) {
	if s.Tok != token.ASSIGN || len(s.Lhs) != len(s.Rhs) {
		return // := and op= only write locals or arithmetic
	}
	for i, lhs := range s.Lhs {
		ids := a.uncovered(a.holds(s.Rhs[i], nil))
		if len(ids) == 0 {
			continue
		}
		where := a.outlives(cur, lhs, a.info.Uses[ids[0]])
		if where == "" {
			continue
		}
		names, c := varNames(ids)
		a.report(cur, s, ids, names+" stored in "+where+", which outlives the request; "+reuse+" — store "+c+".Copy() or the values it needs", "it is stored in "+where, "")
		return
	}
}

func (a *checker) send(cur inspector.Cursor, s *ast.SendStmt) {
	ids := a.uncovered(a.holds(s.Value, nil))
	if len(ids) == 0 {
		return
	}
	names, c := varNames(ids)
	a.report(cur, s, ids, names+" sent on a channel and can outlive the request; "+reuse+" — send "+c+".Copy() or the values it needs", "it is sent on a channel", "")
}

// outlives describes the storage lhs denotes if it outlives the call that
// owns the context ctx, or returns "".
func (a *checker) outlives(cur inspector.Cursor, lhs ast.Expr, ctx types.Object) string {
	root, indirect := a.root(lhs)
	if root == nil {
		return ""
	}
	target := types.ExprString(lhs)
	part := func(kind string) string {
		if _, plain := ast.Unparen(lhs).(*ast.Ident); plain {
			return kind + " " + target
		}
		return target + ", part of " + kind + " " + root.Name()
	}
	if gintypes.IsPackageLevel(root) {
		return part("package-level variable")
	}
	var owner, decl ast.Node // the function declaring ctx; the outermost FuncDecl
	for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		n := fc.Node()
		if owner == nil && ctx != nil && n.Pos() <= ctx.Pos() && ctx.Pos() < n.End() {
			owner = n
		}
		if fd, ok := n.(*ast.FuncDecl); ok {
			decl = fd
		}
	}
	if owner != nil && (root.Pos() < owner.Pos() || root.Pos() >= owner.End()) {
		return part("variable") + " captured from outside the handler"
	}
	if fd, ok := decl.(*ast.FuncDecl); ok && indirect && fd.Recv != nil && len(fd.Recv.List) == 1 {
		for _, name := range fd.Recv.List[0].Names {
			if a.info.Defs[name] == root {
				return target + " through receiver " + root.Name()
			}
		}
	}
	return ""
}

// root returns the variable at the root of a selector, index or
// dereference chain, and whether reaching the target from it goes through
// a pointer, map or slice (so that it is not a private copy).
func (a *checker) root(e ast.Expr) (v *types.Var, indirect bool) {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.Ident:
			v, _ = a.info.ObjectOf(x).(*types.Var)
			if v != nil && v.IsField() {
				v = nil
			}
			return v, indirect
		case *ast.SelectorExpr:
			sel, ok := a.info.Selections[x]
			if !ok { // a qualified identifier: pkg.Var
				v, _ = a.info.Uses[x.Sel].(*types.Var)
				return v, indirect
			}
			if sel.Kind() != types.FieldVal {
				return nil, false
			}
			indirect = indirect || sel.Indirect()
			e = x.X
		case *ast.IndexExpr:
			t := a.info.TypeOf(x.X)
			if t == nil {
				return nil, false
			}
			if _, isArray := t.Underlying().(*types.Array); !isArray {
				indirect = true // map, slice, pointer to array
			}
			e = x.X
		case *ast.StarExpr:
			indirect = true
			e = x.X
		default:
			return nil, false
		}
	}
}

// waited reports whether the function containing cur (a go statement or a
// Go call) waits for the goroutine before any return: a Wait or a receive
// from a channel the goroutine uses, in the same or an enclosing block,
// after the statement, with no return statement in between; or a deferred
// Wait.
func (a *checker) waited(cur inspector.Cursor, starter ast.Node) bool {
	var fn ast.Node
	for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		fn = fc.Node()
		break
	}
	body := gintypes.FuncBody(fn)
	if body == nil {
		return false
	}
	chans := a.chans(starter)
	from := cur.Node().Pos()
	child := cur
	for p := cur.Parent(); p.Valid() && p.Node() != fn; child, p = p, p.Parent() {
		switch p.Node().(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			// A return earlier in the loop runs after the goroutine of the
			// previous iteration started.
			from = p.Node().Pos()
		}
		list := stmtList(child)
		if list == nil {
			continue
		}
		i := child.ParentEdgeIndex()
		for _, st := range list[:i] {
			if a.deferWait(st) {
				return true
			}
		}
		for _, st := range list[i+1:] {
			if a.waits(st, chans) || a.deferWait(st) {
				return !returnsBetween(body, from, st.Pos())
			}
		}
	}
	return false
}

// stmtList returns the statement list that holds cur's node, or nil.
func stmtList(cur inspector.Cursor) []ast.Stmt {
	switch p := cur.Parent().Node().(type) {
	case *ast.BlockStmt:
		if cur.ParentEdgeKind() == edge.BlockStmt_List {
			return p.List
		}
	case *ast.CaseClause:
		if cur.ParentEdgeKind() == edge.CaseClause_Body {
			return p.Body
		}
	case *ast.CommClause:
		if cur.ParentEdgeKind() == edge.CommClause_Body {
			return p.Body
		}
	}
	return nil
}

// chans returns the channel variables the goroutine's code or arguments
// use: receiving from one of them is taken as waiting for the goroutine.
func (a *checker) chans(n ast.Node) map[types.Object]bool {
	m := make(map[types.Object]bool)
	ast.Inspect(n, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if v, ok := a.info.Uses[id].(*types.Var); ok {
				if _, isChan := v.Type().Underlying().(*types.Chan); isChan {
					m[v] = true
				}
			}
		}
		return true
	})
	return m
}

// waits reports whether statement st unconditionally waits: a Wait call or
// a receive from one of chans at its top level (also in the init of an if
// or switch, or in a return).
func (a *checker) waits(st ast.Stmt, chans map[types.Object]bool) bool {
	switch s := st.(type) {
	case *ast.ExprStmt:
		return a.waitExpr(s.X, chans)
	case *ast.AssignStmt:
		return len(s.Rhs) == 1 && a.waitExpr(s.Rhs[0], chans)
	case *ast.DeclStmt:
		if gd, ok := s.Decl.(*ast.GenDecl); ok {
			for _, spec := range gd.Specs {
				if vs, ok := spec.(*ast.ValueSpec); ok && len(vs.Values) == 1 && a.waitExpr(vs.Values[0], chans) {
					return true
				}
			}
		}
	case *ast.ReturnStmt:
		for _, r := range s.Results {
			if a.waitExpr(r, chans) {
				return true
			}
		}
	case *ast.IfStmt:
		return s.Init != nil && a.waits(s.Init, chans)
	case *ast.SwitchStmt:
		return s.Init != nil && a.waits(s.Init, chans)
	}
	return false
}

func (a *checker) waitExpr(e ast.Expr, chans map[types.Object]bool) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.CallExpr:
		fn := gintypes.Callee(a.info, e)
		return gintypes.IsMethod(fn, isWaitGroup, "Wait") || gintypes.IsMethod(fn, isErrgroup, "Wait")
	case *ast.UnaryExpr:
		if id, ok := ast.Unparen(e.X).(*ast.Ident); ok && e.Op == token.ARROW {
			return chans[a.info.Uses[id]]
		}
	}
	return false
}

// deferWait reports whether st is defer wg.Wait() or a deferred literal
// that waits at its top level.
func (a *checker) deferWait(st ast.Stmt) bool {
	d, ok := st.(*ast.DeferStmt)
	if !ok {
		return false
	}
	if lit, ok := ast.Unparen(d.Call.Fun).(*ast.FuncLit); ok {
		for _, s := range lit.Body.List {
			if a.waits(s, nil) {
				return true
			}
		}
		return false
	}
	return a.waitExpr(d.Call, nil)
}

// returnsBetween reports whether body has a return statement of its own
// (not of a nested function literal) in [from, to).
func returnsBetween(body *ast.BlockStmt, from, to token.Pos) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if found || n == nil || n.End() <= from || n.Pos() >= to {
			return false
		}
		switch n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			found = true
			return false
		}
		return true
	})
	return found
}

func isWaitGroup(t types.Type) bool { return gintypes.IsNamed(t, "sync", "WaitGroup") }
func isErrgroup(t types.Type) bool  { return gintypes.IsNamed(t, errgroupPath, "Group") }

// varNames returns the message subject for the variables ids use, e.g.
// "*gin.Context c is", and the first variable's name.
func varNames(ids []*ast.Ident) (subject, first string) {
	var names []string
	seen := make(map[string]bool)
	for _, id := range ids {
		if !seen[id.Name] {
			seen[id.Name] = true
			names = append(names, id.Name)
		}
	}
	if len(names) == 1 {
		return "*gin.Context " + names[0] + " is", names[0]
	}
	last := len(names) - 1
	return "*gin.Context values " + strings.Join(names[:last], ", ") + " and " + names[last] + " are", names[0]
}

// report records a finding on the uses ids. how says, for the callers of
// the function whose parameter escapes here, how it escapes ("a goroutine
// uses it"); helperWrite that a function the goroutine runs writes the
// response through the context.
func (a *checker) report(cur inspector.Cursor, n ast.Node, ids []*ast.Ident, msg, how, helperWrite string) {
	d := analysis.Diagnostic{Pos: n.Pos(), End: n.End(), Message: msg}
	i := len(a.diags)
	a.escaped(n.Pos(), ids, how)
	if w := a.writer(ids); w != "" {
		// A copy has no ResponseWriter: the rewritten code would panic.
		d.Message += "; " + w + " writes the response, which a copy cannot do: write it before the handler returns"
	} else if helperWrite != "" {
		d.Message += "; " + helperWrite + ", which a copy cannot do: write it before the handler returns"
	} else {
		a.pending = append(a.pending, pending{diag: i, cur: cur, ids: ids})
	}
	a.diags = append(a.diags, d)
	for _, id := range ids {
		if v, ok := a.info.Uses[id].(*types.Var); ok {
			a.reported = append(a.reported, region{n.Pos(), n.End(), v})
		}
	}
}

// pending is a finding whose fix is computed once all findings are known,
// so that the fixes of one function compose.
type pending struct {
	diag   int
	cur    inspector.Cursor
	ids    []*ast.Ident
	groups []*copyGroup // per distinct variable, in order of first use
}

// copyGroup is one inserted "name := v.Copy()": the findings of v it
// serves all use name.
type copyGroup struct {
	v      types.Object
	anchor inspector.Cursor // the statement the declaration goes before
	name   string
	sep    string
}

// flush computes the fixes and reports the diagnostics in order.
func (a *checker) flush() {
	a.planFixes()
	for _, d := range a.diags {
		a.rep.Report(d)
	}
}

// planFixes gives each fixable finding its copies. Findings of one
// variable share a copy when the first one's declaration dominates the
// later statement (same block, or a block nested in a later statement of
// it); otherwise the later finding gets a copy of its own with a name
// distinct from every copy already planned in the same top-level
// function, so that no two declarations collide. All fixes that insert
// at one position insert the same text there, and each fix carries every
// edit of the findings it shares an insertion with: applying any subset
// of them compiles, and ginleak's driver and analysistest merge the
// identical edits.
func (a *checker) planFixes() {
	var groups []*copyGroup
	names := make(map[ast.Node]map[string]bool) // per top-level function
	var ok []*pending
	for i := range a.pending {
		p := &a.pending[i]
		if a.plan(p, &groups, names) {
			ok = append(ok, p)
		}
	}
	// The declarations inserted at each position, in planning order.
	decls := make(map[token.Pos]string)
	var order []token.Pos
	for _, g := range groups {
		pos := g.anchor.Node().Pos()
		if _, seen := decls[pos]; !seen {
			order = append(order, pos)
		}
		decls[pos] += g.name + " := " + g.v.Name() + ".Copy()" + g.sep
	}
	// Findings that insert at a common position form one component.
	comp := make(map[token.Pos]int) // position -> component id
	parent := make([]int, len(order))
	for i, pos := range order {
		comp[pos], parent[i] = i, i
	}
	var find func(int) int
	find = func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	for _, p := range ok {
		first := find(comp[p.groups[0].anchor.Node().Pos()])
		for _, g := range p.groups[1:] {
			parent[find(comp[g.anchor.Node().Pos()])] = first
		}
	}
	edits := make(map[int][]analysis.TextEdit)
	for _, pos := range order {
		r := find(comp[pos])
		edits[r] = append(edits[r], analysis.TextEdit{Pos: pos, End: pos, NewText: []byte(decls[pos])})
	}
	for _, p := range ok {
		r := find(comp[p.groups[0].anchor.Node().Pos()])
		for _, id := range p.ids {
			for _, g := range p.groups {
				if g.v == a.info.Uses[id] {
					edits[r] = append(edits[r], analysis.TextEdit{Pos: id.Pos(), End: id.End(), NewText: []byte(g.name)})
					break
				}
			}
		}
	}
	for _, p := range ok {
		r := find(comp[p.groups[0].anchor.Node().Pos()])
		a.diags[p.diag].SuggestedFixes = []analysis.SuggestedFix{{
			Message:   "use " + p.ids[0].Name + ".Copy()",
			TextEdits: edits[r],
		}}
	}
}

// plan finds or creates the copy group of each variable p uses, or
// returns false if p gets no fix.
func (a *checker) plan(p *pending, groups *[]*copyGroup, names map[ast.Node]map[string]bool) bool {
	anchor, ok := anchorStmt(p.cur)
	if !ok {
		return false
	}
	pos := anchor.Node().Pos()
	scope := a.blockScope(anchor)
	if scope == nil {
		return false
	}
	sep, ok := a.separator(pos)
	if !ok {
		return false
	}
	top := topFunc(anchor)
	if names[top] == nil {
		names[top] = make(map[string]bool)
	}
	taken := make(map[string]bool)
	ast.Inspect(anchor.Node(), func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			taken[id.Name] = true
		}
		return true
	})
	// usable reports whether name, declared earlier, still means the copy
	// at anchor: nothing in between or in the statement declares it.
	usable := func(name string) bool {
		if taken[name] {
			return false
		}
		_, obj := scope.LookupParent(name, pos)
		return obj == nil
	}
	var mine []*copyGroup
	var created []*copyGroup
next:
	for _, id := range p.ids {
		v := a.info.Uses[id]
		for _, g := range mine {
			if g.v == v {
				continue next
			}
		}
		if _, obj := scope.LookupParent(v.Name(), pos); obj != v {
			for _, g := range created {
				delete(names[top], g.name)
			}
			return false // shadowed at the insertion point
		}
		var found *copyGroup
		for _, g := range *groups {
			if g.v == v && dominates(g.anchor, anchor) && (g.anchor == anchor || usable(g.name)) {
				found = g
				break
			}
		}
		if found == nil {
			base := v.Name() + "Cp"
			name := base
			for i := 2; names[top][name] || scope.Lookup(name) != nil || !usable(name); i++ {
				name = base + strconv.Itoa(i)
			}
			names[top][name] = true
			taken[name] = true
			found = &copyGroup{v: v, anchor: anchor, name: name, sep: sep}
			created = append(created, found)
		}
		mine = append(mine, found)
	}
	*groups = append(*groups, created...)
	p.groups = mine
	return true
}

// dominates reports whether a declaration inserted before statement at
// is in scope at, and runs before, statement later: later is at, or lies
// in a statement after at in the same list.
func dominates(at, later inspector.Cursor) bool {
	for x := later; x.Valid(); x = x.Parent() {
		if _, file := x.Node().(*ast.File); file || x.Node() == nil {
			return false
		}
		if x.Parent() == at.Parent() && x.ParentEdgeKind() == at.ParentEdgeKind() {
			return x.ParentEdgeIndex() >= at.ParentEdgeIndex()
		}
	}
	return false
}

// topFunc returns the outermost function declaration or literal holding
// cur, which scopes the names given to copies.
func topFunc(cur inspector.Cursor) ast.Node {
	var top ast.Node
	for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		top = fc.Node()
	}
	return top
}

// anchorStmt returns the statement, in a statement list, before which the
// copy can be declared: the statement holding cur, or the select whose
// case sends. A labelled statement is none: a goto to its label could jump
// over the declaration.
func anchorStmt(cur inspector.Cursor) (inspector.Cursor, bool) {
	at, ok := fixutil.ListStmt(cur, fixutil.Before)
	if !ok {
		return inspector.Cursor{}, false
	}
	if _, labeled := at.Node().(*ast.LabeledStmt); labeled {
		return inspector.Cursor{}, false
	}
	return at, true
}

// blockScope returns the scope of the block holding the statement anchor.
func (a *checker) blockScope(anchor inspector.Cursor) *types.Scope {
	p := anchor.Parent()
	if s := a.info.Scopes[p.Node()]; s != nil {
		return s
	}
	// A function body has no scope of its own: it is the function's.
	switch fn := p.Parent().Node().(type) {
	case *ast.FuncDecl:
		return a.info.Scopes[fn.Type]
	case *ast.FuncLit:
		return a.info.Scopes[fn.Type]
	}
	return nil
}

// separator returns what follows the inserted declaration: a newline and
// the statement's indentation when the statement starts its line, "; "
// otherwise.
func (a *checker) separator(pos token.Pos) (string, bool) {
	tf := a.pass.Fset.File(pos)
	if tf == nil {
		return "", false
	}
	if a.files == nil {
		a.files = make(map[string][]byte)
	}
	src, ok := a.files[tf.Name()]
	if !ok {
		var err error
		if src, err = a.pass.ReadFile(tf.Name()); err != nil {
			src = nil
		}
		a.files[tf.Name()] = src
	}
	off := tf.Offset(pos)
	start := tf.Offset(tf.LineStart(tf.Line(pos)))
	if src == nil || off > len(src) || start > off {
		return "", false
	}
	return fixutil.SepBefore(tf, src, pos), true
}

// writesResponse lists the members of *gin.Context that write the response
// through c.Writer. Context.Copy clears the copy's ResponseWriter, so the
// copy panics on any of them.
var writesResponse = map[string]bool{
	"Writer": true, "Status": true, "Header": true, "SetCookie": true, "SetCookieData": true,
	"Render": true, "HTML": true, "IndentedJSON": true, "SecureJSON": true, "JSONP": true,
	"JSON": true, "AsciiJSON": true, "PureJSON": true, "XML": true, "YAML": true, "TOML": true,
	"ProtoBuf": true, "BSON": true, "String": true, "Redirect": true, "Data": true,
	"DataFromReader": true, "File": true, "FileFromFS": true, "FileAttachment": true,
	"SSEvent": true, "Stream": true, "Negotiate": true, "AbortWithStatus": true,
	"AbortWithStatusJSON": true, "AbortWithStatusPureJSON": true, "AbortWithError": true,
}

// writer returns the first "c.JSON"-like use among ids that writes the
// response, or "".
func (a *checker) writer(ids []*ast.Ident) string {
	for _, id := range ids {
		if name := a.member[id]; writesResponse[name] {
			return id.Name + "." + name
		}
	}
	return ""
}
