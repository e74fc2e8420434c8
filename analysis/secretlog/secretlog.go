package secretlog

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/rule"
)

// Analyzer reports request credentials that reach a log.
var Analyzer = &analysis.Analyzer{
	Name:       "secretlog",
	Doc:        Doc,
	URL:        rule.DocsBase + "secretlog.md",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: rule.ResultType,
	Run:        run,
}

// Rule is the analyzer with its stable metadata.
var Rule = rule.Rule{
	Analyzer: Analyzer,
	ID:       ruleID,
	Title:    "request credentials written to a log",
	Severity: rule.Error,
	Since:    "v0.2.0",
}

// ruleID is a constant so that run need not refer to Rule, which refers
// to Analyzer, which refers to run.
const ruleID = "GL1010"

func run(pass *analysis.Pass) (any, error) {
	rep := rule.NewReporter(pass, ruleID)
	if !gintypes.ImportsGinOrHTTP(pass.Pkg) {
		return rep.Result(), nil
	}
	insp, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok || pass.TypesInfo == nil {
		return rep.Result(), nil
	}
	w := &walker{
		info: pass.TypesInfo,
		rep:  rep,
		vars: make(map[*types.Var]taint),
		keys: make(map[*types.Var]taint),
	}
	nodes := []ast.Node{
		(*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil), (*ast.RangeStmt)(nil),
		(*ast.CallExpr)(nil), (*ast.ReturnStmt)(nil),
	}
	// One walk per file in source order: an assignment is seen before the
	// uses that follow it, so taint is collected and checked in one pass.
	for fc := range insp.Root().Children() {
		f, ok := fc.Node().(*ast.File)
		if !ok || gintypes.IsTestFile(pass.Fset, f) {
			continue
		}
		for cur := range fc.Preorder(nodes...) {
			switch n := cur.Node().(type) {
			case *ast.AssignStmt:
				w.assign(n)
			case *ast.ValueSpec:
				w.valueSpec(n)
			case *ast.RangeStmt:
				w.rangeStmt(n)
			case *ast.CallExpr:
				w.call(n)
			case *ast.ReturnStmt:
				w.returnStmt(cur, n)
			}
		}
	}
	return rep.Result(), nil
}

// walker holds the taint collected so far in the package. Variables are
// distinct objects, so one map serves every function; only locals are
// tracked, which keeps the flow within one function (and the closures it
// contains, which see its variables).
type walker struct {
	info *types.Info
	rep  *rule.Reporter
	vars map[*types.Var]taint
	// keys holds the key variables of loops over every header of a map
	// (for k := range r.Header with no filter): r.Header.Get(k) is then
	// any header's value, credentials included.
	keys map[*types.Var]taint
}

// localVar returns the local variable e names, or nil.
func (w *walker) localVar(e ast.Expr) *types.Var {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok || id.Name == "_" {
		return nil
	}
	v, ok := w.info.ObjectOf(id).(*types.Var)
	if !ok || v.IsField() || gintypes.IsPackageLevel(v) {
		return nil
	}
	return v
}

// rootVar returns the local variable at the root of an index, field or
// dereference chain (m in m[k].f), or nil.
func (w *walker) rootVar(e ast.Expr) *types.Var {
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.Ident:
			return w.localVar(x)
		case *ast.IndexExpr:
			e = x.X
		case *ast.SelectorExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		default:
			return nil
		}
	}
}

// set records that the local variable lhs now holds t (a strong update:
// an untainted value clears it). Stores into an element or field of a
// local taint the whole variable and never clear it, except that
// overwriting a credential header of a header map redacts it.
func (w *walker) set(lhs ast.Expr, t taint) {
	if t.kind == request {
		t = taint{} // a request is recognised by its type, not tracked
	}
	if v := w.localVar(lhs); v != nil {
		if t.ok() {
			w.vars[v] = t
		} else {
			delete(w.vars, v)
		}
		return
	}
	v := w.rootVar(lhs)
	if v == nil {
		return
	}
	if t.ok() {
		if _, had := w.vars[v]; !had {
			w.vars[v] = t
		}
		return
	}
	// h["Authorization"] = []string{"[REDACTED]"}
	if ix, ok := ast.Unparen(lhs).(*ast.IndexExpr); ok && isHeader(w.info.TypeOf(ix.X)) && w.localVar(ix.X) == v {
		if _, sensitive := w.headerName(ix.Index); sensitive {
			delete(w.vars, v)
		}
	}
}

func (w *walker) assign(n *ast.AssignStmt) {
	switch {
	case len(n.Lhs) == len(n.Rhs):
		if n.Tok != token.ASSIGN && n.Tok != token.DEFINE {
			// x += y: x stays tainted, or becomes so.
			if t := w.eval(n.Rhs[0]); t.ok() && len(n.Lhs) == 1 {
				w.taintRoot(n.Lhs[0], t)
			}
			return
		}
		ts := make([]taint, len(n.Rhs)) // evaluated before any is assigned: a, b = b, a
		for i, r := range n.Rhs {
			ts[i] = w.eval(r)
		}
		for i, l := range n.Lhs {
			w.set(l, ts[i])
		}
	case len(n.Rhs) == 1:
		w.multi(n.Lhs, n.Rhs[0])
	}
}

func (w *walker) valueSpec(n *ast.ValueSpec) {
	switch {
	case len(n.Names) == len(n.Values):
		for i, id := range n.Names {
			w.set(id, w.eval(n.Values[i]))
		}
	case len(n.Values) == 1:
		lhs := make([]ast.Expr, len(n.Names))
		for i, id := range n.Names {
			lhs[i] = id
		}
		w.multi(lhs, n.Values[0])
	}
}

// multi assigns the results of one multi-valued expression.
func (w *walker) multi(lhs []ast.Expr, rhs ast.Expr) {
	call, isCall := ast.Unparen(rhs).(*ast.CallExpr)
	for i, l := range lhs {
		var t taint
		switch {
		case isCall:
			t = w.evalCall(call, i)
		case i == 0: // v, ok := m[k], x.(T), <-ch
			t = w.eval(rhs)
		}
		w.set(l, t)
	}
}

// taintRoot taints the local at the root of e, keeping any taint it has.
func (w *walker) taintRoot(e ast.Expr, t taint) {
	if t.kind == request {
		return
	}
	if v := w.rootVar(e); v != nil {
		if _, had := w.vars[v]; !had {
			w.vars[v] = t
		}
	}
}

// rangeStmt taints the value (and, over a header map, the key) of a loop
// over a tainted collection, unless the body filters or redacts: a loop
// that tests the key (if k == "Authorization" { continue }, allow[k]),
// mentions a credential header by name or calls a redacting function
// copies only what it decided is safe.
func (w *walker) rangeStmt(n *ast.RangeStmt) {
	t := w.eval(n.X)
	if !t.ok() || t.kind == request {
		return
	}
	key := w.localVar(n.Key)
	filters, redacts, storesInto := w.scanBody(n.Body, key, w.localVar(n.X))
	if redacts && storesInto {
		// for i, l := range lines { if ... "Authorization:" { lines[i] = "…" } }
		if v := w.localVar(n.X); v != nil {
			delete(w.vars, v)
		}
	}
	if filters || redacts {
		return
	}
	if isHeader(w.info.TypeOf(n.X)) {
		name := t.mapName
		if name == "" {
			name = exprString(n.X)
		}
		t = taint{kind: headerValues, src: "the values of every header in " + name}
		if key != nil {
			w.keys[key] = t
		}
	}
	if n.Value != nil {
		w.set(n.Value, t)
	}
}

// scanBody reports whether a loop body tests the key variable in a
// condition, whether it mentions a credential header name or calls a
// redacting function, and whether it stores into x[...].
func (w *walker) scanBody(body *ast.BlockStmt, key, x *types.Var) (filters, redacts, storesInto bool) {
	uses := func(e ast.Node, v *types.Var) bool {
		found := false
		if v == nil || e == nil {
			return false
		}
		ast.Inspect(e, func(n ast.Node) bool {
			if id, ok := n.(*ast.Ident); ok && w.info.Uses[id] == v {
				found = true
			}
			return !found
		})
		return found
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IfStmt:
			if uses(n.Cond, key) {
				filters = true
			}
		case *ast.SwitchStmt:
			if uses(n.Tag, key) {
				filters = true
			}
		case *ast.CaseClause:
			for _, e := range n.List {
				if uses(e, key) {
					filters = true
				}
			}
		case *ast.BasicLit:
			if mentionsCredentialHeader(n.Value) {
				redacts = true
			}
		case *ast.CallExpr:
			if isRedactName(callName(n)) {
				redacts = true
			}
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				if ix, ok := ast.Unparen(l).(*ast.IndexExpr); ok && x != nil && w.localVar(ix.X) == x {
					storesInto = true
				}
			}
		case *ast.FuncLit:
			return false
		}
		return true
	})
	return filters, redacts, storesInto
}

// call applies a call's effects on local variables, then checks it as a
// log call.
func (w *walker) call(call *ast.CallExpr) {
	w.effects(call)
	if s, ok := w.sinkOf(call); ok {
		w.checkSink(call, s)
	}
}

// effects records what a call does to the locals it is given: header map
// edits, writes into a builder, in-place redaction.
func (w *walker) effects(call *ast.CallExpr) {
	name := callName(call)
	switch {
	case name == "":
		return
	case isRedactName(name):
		// maskAuthorization(lines), redact(&entry), scrub(h): redacted in
		// place. A string cannot be: fingerprint(tok) leaves tok as it is.
		for _, a := range call.Args {
			if u, ok := ast.Unparen(a).(*ast.UnaryExpr); ok && u.Op == token.AND {
				a = u.X
			} else if !mutable(w.info.TypeOf(a)) {
				continue
			}
			if v := w.localVar(a); v != nil {
				delete(w.vars, v)
			}
		}
		return
	}
	switch name {
	case "Del", "Set", "Add":
		w.headerEdit(call, name)
	case "delete":
		if len(call.Args) == 2 && isBuiltin(w.info, call.Fun, "delete") && isHeader(w.info.TypeOf(call.Args[0])) {
			if v := w.localVar(call.Args[0]); v != nil {
				delete(w.vars, v)
			}
		}
	case "WriteString", "Write", "WriteByte", "WriteRune":
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok || len(call.Args) != 1 || !isBuilder(w.info.TypeOf(sel.X)) {
			return
		}
		if t := w.eval(call.Args[0]); t.ok() {
			w.taintRoot(sel.X, t)
		}
	case "Fprint", "Fprintf", "Fprintln":
		// fmt.Fprintf(&sb, "%s", tok) into a local builder.
		fn := gintypes.Callee(w.info, call)
		if !gintypes.IsFunc(fn, "fmt", name) || len(call.Args) == 0 {
			return
		}
		dst := call.Args[0]
		if u, ok := ast.Unparen(dst).(*ast.UnaryExpr); ok {
			dst = u.X
		}
		v := w.localVar(dst)
		if v == nil {
			return
		}
		fmtIdx := -1
		if name == "Fprintf" {
			fmtIdx = 1
		}
		if h, ok := w.firstTainted(call, 1, fmtIdx); ok {
			w.taintRoot(dst, h.t)
		}
	}
}

// headerEdit handles h.Del(k), h.Set(k, v) and h.Add(k, v) on a local
// http.Header. Deleting any header, or overwriting a credential header
// (or a header named at run time) with a clean value, is taken as
// redacting the copy; setting a tainted value taints it.
func (w *walker) headerEdit(call *ast.CallExpr, name string) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok || !isHeader(w.info.TypeOf(sel.X)) {
		return
	}
	v := w.localVar(sel.X)
	if v == nil {
		return
	}
	if name == "Del" {
		delete(w.vars, v)
		return
	}
	if len(call.Args) != 2 {
		return
	}
	if t := w.eval(call.Args[1]); t.ok() {
		w.taintRoot(sel.X, t)
		return
	}
	_, sensitive := w.headerName(call.Args[0])
	if name == "Set" && (sensitive || !w.isConst(call.Args[0])) {
		delete(w.vars, v)
	}
}

// returnStmt checks what a gin LogFormatter returns: gin writes it to its
// access log.
func (w *walker) returnStmt(cur inspector.Cursor, n *ast.ReturnStmt) {
	if len(n.Results) != 1 || !isString(w.info.TypeOf(n.Results[0])) {
		return
	}
	formatter := false
	for fc := range cur.Enclosing((*ast.FuncLit)(nil), (*ast.FuncDecl)(nil)) {
		formatter = isLogFormatter(gintypes.FuncSignature(w.info, fc.Node()))
		break // the innermost function only
	}
	if !formatter {
		return
	}
	res := n.Results[0]
	if t := w.eval(res); t.ok() {
		w.report(res, t, "a gin LogFormatter's result (gin's access log)", "", res.Pos(), res.End())
	}
}

// mutable reports whether a callee can change a value of type t that it
// is passed: a slice, a map or a pointer.
func mutable(t types.Type) bool {
	if t == nil {
		return false
	}
	switch t.Underlying().(type) {
	case *types.Slice, *types.Map, *types.Pointer:
		return true
	}
	return false
}
