package bgcontext

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/types"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/internal/callfacts"
	"github.com/ginleak/ginleak/analysis/rule"
)

// Helpers one call away from the handler.
//
// A Background()/TODO() call in a function with no request parameter is
// the request's work only if request handling calls the function. Which
// direction a go/analysis fact can travel decides the design: facts flow
// from a package to the packages that import it, never back, in every
// driver (ginleak vet, go vet -vettool, golangci-lint). So:
//
//   - Same package: when every caller of the helper in its package is
//     request handling (handlers, and helpers only they call,
//     synchronously), the finding is placed in the helper, on the
//     Background() call, naming the handler it is reached from.
//   - Otherwise, and across packages: an exported function whose
//     synchronous work reaches such a call exports a Fact describing it;
//     a call of a function with a Fact (or of a same-package function that
//     other code calls too) made synchronously from request handling is
//     reported at that call, in the caller's package, naming the function
//     and the line of the Background() call — once per called function
//     and package, counting the other calls.

// Fact is exported on a function whose synchronous work passes
// context.Background() or context.TODO() to a context-taking call and that
// is not reported in its own package.
type Fact struct {
	Bg   string // "context.Background()" or "context.TODO()"
	Call string // the context-taking call: "db.QueryContext"
	Func string // the function making it: "store.Load"
	Site string // where: "store.go:42"
}

// AFact marks Fact as an analysis fact.
func (*Fact) AFact() {}

func (f *Fact) String() string {
	return fmt.Sprintf("bgwork(%s to %s in %s at %s)", f.Bg, f.Call, f.Func, f.Site)
}

// importedFacts returns the facts of imported functions that the package
// may use: those of its own module (see sameModule), keyed by function.
func importedFacts(pass *analysis.Pass) map[*types.Func]*Fact {
	var out map[*types.Func]*Fact
	for _, of := range pass.AllObjectFacts() {
		fn, ok := of.Object.(*types.Func)
		f, ok2 := of.Fact.(*Fact)
		if !ok || !ok2 || fn.Pkg() == pass.Pkg || !sameModule(pass, fn.Pkg()) {
			continue
		}
		if out == nil {
			out = make(map[*types.Func]*Fact)
		}
		out[fn] = f
	}
	return out
}

// sameModule reports whether pkg belongs to the module of the package
// being analysed. Facts of other modules (the standard library's
// http.NewRequest, a client library's convenience wrappers) are not
// followed: ginleak vet does not analyse their source, so following them
// under go vet would make the drivers disagree. Without module information
// (GOPATH mode) a package counts when its path shares the first two
// elements with the analysed package's and starts with a domain.
func sameModule(pass *analysis.Pass, pkg *types.Package) bool {
	if pkg == nil {
		return false
	}
	path := gintypes.PkgPath(pkg)
	if m := pass.Module; m != nil && m.Path != "" {
		return path == m.Path || strings.HasPrefix(path, m.Path+"/")
	}
	a := strings.SplitN(path, "/", 3)
	b := strings.SplitN(gintypes.PkgPath(pass.Pkg), "/", 3)
	return len(a) >= 2 && len(b) >= 2 && strings.Contains(a[0], ".") && a[0] == b[0] && a[1] == b[1]
}

// unit is a node of the package's call graph: a function declaration or a
// handler function literal. Other function literals belong to the unit
// around them.
type unit struct {
	name    string
	fn      *types.Func // nil for handler literals
	handler *handler    // its request parameter, if it is a handler
	calls   []callEdge  // synchronous calls of same-package units
	ext     []extCall   // synchronous calls of imported functions with a Fact
	local   []finding   // Background()/TODO() findings in its own code (helpers)
}

type callEdge struct {
	to   int
	call *ast.CallExpr
}

type extCall struct {
	fn   *types.Func
	call *ast.CallExpr
	fact *Fact
}

type graph struct {
	c      *checker
	facts  map[*types.Func]*Fact
	units  []*unit
	byNode map[ast.Node]int
	byFunc map[*types.Func]int
	// outside are units that code other than synchronous request
	// handling calls or refers to: go and defer statements, values,
	// package-level initializers.
	outside      []int
	pendingRefs  []*types.Func
	pendingCalls []pendingCall
}

// frame is one open node of the walk: the unit it belongs to (-1 for
// package-level code) and whether its calls run on another goroutine or
// later (go, defer, guard.Go...).
type frame struct {
	node  ast.Node
	unit  int
	async bool
}

var graphTypes = []ast.Node{
	(*ast.File)(nil), (*ast.FuncDecl)(nil), (*ast.FuncLit)(nil), (*ast.GoStmt)(nil),
	(*ast.DeferStmt)(nil), (*ast.CallExpr)(nil), (*ast.Ident)(nil),
}

// buildGraph walks the package's non-test files once.
func (c *checker) buildGraph(ins *inspector.Inspector, facts map[*types.Func]*Fact) *graph {
	g := &graph{c: c, facts: facts, byNode: make(map[ast.Node]int), byFunc: make(map[*types.Func]int)}
	called := make(map[*ast.Ident]bool)
	var stack []frame
	ins.Nodes(graphTypes, func(n ast.Node, push bool) bool {
		if !push {
			stack = stack[:len(stack)-1]
			return true
		}
		top := frame{unit: -1}
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		fr := frame{node: n, unit: top.unit, async: top.async}
		switch n := n.(type) {
		case *ast.File:
			if gintypes.IsTestFile(c.pass.Fset, n) {
				return false
			}
		case *ast.FuncDecl:
			fr.unit, fr.async = g.declUnit(n), false
		case *ast.FuncLit:
			if kind, param := gintypes.RequestParam(gintypes.FuncSignature(c.info, n)); kind != gintypes.NotHandler {
				fr.unit, fr.async = g.litUnit(n, kind, param, top.unit), false
			} else if call, ok := top.node.(*ast.CallExpr); ok && isArg(call, n) && detaches(gintypes.Callee(c.info, call)) {
				fr.async = true
			}
		case *ast.GoStmt, *ast.DeferStmt:
			fr.async = true
		case *ast.CallExpr:
			g.call(n, fr, called)
		case *ast.Ident:
			// A same-package function named other than as a callee is
			// a value: it may run anywhere, any time.
			if fn, ok := c.info.Uses[n].(*types.Func); ok && !called[n] && fn.Pkg() == c.pass.Pkg {
				g.pendingRefs = append(g.pendingRefs, fn.Origin())
			}
			return false
		}
		stack = append(stack, fr)
		return true
	})
	// Calls and references are resolved once every declaration has a
	// unit: a call may precede the callee's declaration.
	for _, fn := range g.pendingRefs {
		if u, ok := g.byFunc[fn]; ok {
			g.outside = append(g.outside, u)
		}
	}
	for i := range g.pendingCalls {
		pc := g.pendingCalls[i]
		to, ok := g.byFunc[pc.fn]
		switch {
		case !ok:
		case pc.from < 0 || pc.async:
			g.outside = append(g.outside, to)
		default:
			g.units[pc.from].calls = append(g.units[pc.from].calls, callEdge{to: to, call: pc.call})
		}
	}
	return g
}

func isArg(call *ast.CallExpr, e ast.Expr) bool {
	for _, a := range call.Args {
		if ast.Unparen(a) == e {
			return true
		}
	}
	return false
}

func (g *graph) declUnit(fd *ast.FuncDecl) int {
	fn, _ := g.c.info.Defs[fd.Name].(*types.Func)
	u := &unit{name: callfacts.DeclName(fd), fn: fn}
	if kind, param := gintypes.RequestParam(gintypes.FuncSignature(g.c.info, fd)); kind != gintypes.NotHandler {
		u.handler = &handler{kind: kind, param: param}
	}
	g.units = append(g.units, u)
	i := len(g.units) - 1
	g.byNode[fd] = i
	if fn != nil {
		g.byFunc[fn] = i
	}
	return i
}

func (g *graph) litUnit(fl *ast.FuncLit, kind gintypes.HandlerKind, param *types.Var, outer int) int {
	name := "a handler literal"
	if outer >= 0 {
		name += " in " + g.units[outer].name
	}
	g.units = append(g.units, &unit{name: name, handler: &handler{kind: kind, param: param}})
	i := len(g.units) - 1
	g.byNode[fl] = i
	return i
}

// pendingCall is a call of a same-package function, resolved to a unit
// once every declaration has been walked (a call may precede the
// callee's declaration).
type pendingCall struct {
	from  int
	async bool
	fn    *types.Func
	call  *ast.CallExpr
}

// call records a static call: of a same-package function (an edge, or an
// outside use when made asynchronously or at package level), or of an
// imported function that carries a Fact.
func (g *graph) call(call *ast.CallExpr, fr frame, called map[*ast.Ident]bool) {
	fn := gintypes.Callee(g.c.info, call)
	if fn == nil {
		return
	}
	fn = fn.Origin()
	if id := calleeIdent(call.Fun); id != nil {
		called[id] = true
	}
	if fn.Pkg() == g.c.pass.Pkg {
		g.pendingCalls = append(g.pendingCalls, pendingCall{from: fr.unit, async: fr.async, fn: fn, call: call})
		return
	}
	if f := g.facts[fn]; f != nil && fr.unit >= 0 && !fr.async {
		u := g.units[fr.unit]
		u.ext = append(u.ext, extCall{fn: fn, call: call, fact: f})
	}
}

// calleeIdent is the identifier naming the called function in fun.
func calleeIdent(fun ast.Expr) *ast.Ident {
	for {
		switch f := ast.Unparen(fun).(type) {
		case *ast.Ident:
			return f
		case *ast.SelectorExpr:
			return f.Sel
		case *ast.IndexExpr:
			fun = f.X
		case *ast.IndexListExpr:
			fun = f.X
		default:
			return nil
		}
	}
}

// addFindings hands the helpers' Background()/TODO() findings to their
// units.
func (g *graph) addFindings(fds []finding) {
	for _, fd := range fds {
		if u, ok := g.byNode[fd.h.cur.Node()]; ok {
			g.units[u].local = append(g.units[u].local, fd)
		}
	}
}

func (g *graph) isHandler(u int) bool { return g.units[u].handler != nil }

// reach returns, for each unit, the handler unit it is first reached from
// over synchronous same-package calls (itself for a handler), or -1; and
// which units outside code reaches (directly or through any calls).
func (g *graph) reach() (via []int, outside []bool) {
	n := len(g.units)
	via = make([]int, n)
	var queue []int
	for i := range g.units {
		via[i] = -1
		if g.isHandler(i) {
			via[i] = i
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, e := range g.units[i].calls {
			if via[e.to] < 0 {
				via[e.to] = via[i]
				queue = append(queue, e.to)
			}
		}
	}
	// Entry points other than request handling: functions no handler
	// reaches (main, init, jobs, exported API, dead code) and functions
	// started, deferred or passed as values.
	outside = make([]bool, n)
	queue = queue[:0]
	mark := func(i int) {
		if !outside[i] && !g.isHandler(i) {
			outside[i] = true
			queue = append(queue, i)
		}
	}
	for i := range g.units {
		if via[i] < 0 {
			mark(i)
		}
	}
	for _, i := range g.outside {
		mark(i)
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, e := range g.units[i].calls {
			mark(e.to)
		}
	}
	return via, outside
}

// resolve reports the helpers' findings and the calls of functions that do
// background work, and exports the Facts.
func (g *graph) resolve(rep *rule.Reporter) {
	via, outside := g.reach()
	// request: handlers, and helpers only request handling calls.
	request := func(u int) bool { return via[u] >= 0 && !outside[u] }
	// A helper's own findings are reported where they are when only
	// request handling calls it; otherwise they summarise the function
	// for its callers.
	sum := make([]*Fact, len(g.units))
	var queue []int
	for i, u := range g.units {
		if g.isHandler(i) {
			continue
		}
		if request(i) {
			for _, fd := range u.local {
				g.reportHelper(rep, fd, u, g.units[via[i]])
			}
			continue
		}
		var f *Fact
		if len(u.local) > 0 {
			f = g.factOf(u.local[0])
		}
		if len(u.ext) > 0 && (f == nil || u.ext[0].call.Pos() < u.local[0].bg.Pos()) {
			f = u.ext[0].fact
		}
		if f != nil {
			sum[i] = f
			queue = append(queue, i)
		}
	}
	// Callers that are not request handling take on their callees'
	// summaries (reverse edges, nearest first).
	callers := make([][]int, len(g.units))
	for i, u := range g.units {
		for _, e := range u.calls {
			callers[e.to] = append(callers[e.to], i)
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, p := range callers[i] {
			if sum[p] == nil && !g.isHandler(p) && !request(p) {
				sum[p] = sum[i]
				queue = append(queue, p)
			}
		}
	}
	g.reportCalls(rep, via, request, sum)
	g.exportFacts(sum)
}

// exportFacts exports the summaries of exported functions: other packages
// may call them from their handlers.
func (g *graph) exportFacts(sum []*Fact) {
	for i, u := range g.units {
		if sum[i] != nil && u.fn != nil && u.fn.Exported() && u.fn.Pkg() == g.c.pass.Pkg {
			g.c.pass.ExportObjectFact(u.fn, sum[i])
		}
	}
}

// factOf describes a helper's finding for its callers.
func (g *graph) factOf(fd finding) *Fact {
	posn := g.c.pass.Fset.Position(fd.bg.Pos())
	return &Fact{
		Bg:   g.c.bgName(fd.bg),
		Call: callName(fd.to),
		Func: g.c.pass.Pkg.Name() + "." + g.unitName(fd),
		Site: fmt.Sprintf("%s:%d", filepath.Base(posn.Filename), posn.Line),
	}
}

func (g *graph) unitName(fd finding) string {
	if u, ok := g.byNode[fd.h.cur.Node()]; ok {
		return g.units[u].name
	}
	return "a function"
}

// reportHelper reports a Background()/TODO() call in a helper that only
// request handling calls.
func (g *graph) reportHelper(rep *rule.Reporter, fd finding, u, root *unit) {
	via := ""
	if fd.via != nil {
		via = " through " + fd.via.Name()
	}
	rep.Report(analysis.Diagnostic{
		Pos: fd.bg.Pos(),
		End: fd.bg.End(),
		Message: fmt.Sprintf("%s passed to %s%s from request handling (%s, reached from handler %s): %s — %s",
			g.c.bgName(fd.bg), callName(fd.to), via, u.name, root.name, consequence, g.advice(u.fn, u.name, root)),
	})
}

const consequence = "the work is not cancelled when the client goes away and keeps holding the handler's goroutine and memory"

// advice says how to pass the request's context down to fn.
func (g *graph) advice(fn *types.Func, name string, root *unit) string {
	rc := requestContext(root.handler)
	if rc == "" {
		rc = fallbackContext(root.handler)
	}
	if fn != nil {
		if sig, ok := fn.Type().(*types.Signature); ok {
			for i := range sig.Params().Len() {
				if isContext(sig.Params().At(i).Type()) {
					return fmt.Sprintf("use the context %s is given instead, and give it %s", name, rc)
				}
			}
		}
	}
	return fmt.Sprintf("give %s a context.Context parameter and pass it %s", name, rc)
}

// siteGroup is the first call of one function from request handling and
// how many more there are.
type siteGroup struct {
	call  *ast.CallExpr
	fn    *types.Func
	fact  *Fact
	from  int
	more  int
	order int
}

// reportCalls reports, once per called function, the calls made from
// request handling of functions whose work reaches a Background()/TODO()
// call that is not reported where it is.
func (g *graph) reportCalls(rep *rule.Reporter, via []int, request func(int) bool, sum []*Fact) {
	groups := map[*types.Func]*siteGroup{}
	add := func(from int, fn *types.Func, call *ast.CallExpr, f *Fact) {
		if s := groups[fn]; s != nil {
			s.more++
			if call.Pos() < s.call.Pos() {
				s.call, s.from = call, from
			}
			return
		}
		groups[fn] = &siteGroup{call: call, fn: fn, fact: f, from: from, order: len(groups)}
	}
	for i, u := range g.units {
		if !g.isHandler(i) && !request(i) {
			continue
		}
		for _, e := range u.calls {
			if sum[e.to] != nil && g.units[e.to].fn != nil {
				add(i, g.units[e.to].fn, e.call, sum[e.to])
			}
		}
		for _, x := range u.ext {
			add(i, x.fn, x.call, x.fact)
		}
	}
	list := make([]*siteGroup, 0, len(groups))
	for _, s := range groups {
		list = append(list, s)
	}
	slices.SortFunc(list, func(a, b *siteGroup) int { return cmp.Compare(a.call.Pos(), b.call.Pos()) })
	for _, s := range list {
		u, root := g.units[s.from], g.units[via[s.from]]
		where := "in a request handler"
		if via[s.from] != s.from {
			where = fmt.Sprintf("from request handling (%s, reached from handler %s)", u.name, root.name)
		}
		more := ""
		switch s.more {
		case 0:
		case 1:
			more = " (and at 1 other call from request handling in this package)"
		default:
			more = fmt.Sprintf(" (and at %d other calls from request handling in this package)", s.more)
		}
		name := callName(s.call)
		rep.Report(analysis.Diagnostic{
			Pos: s.call.Pos(),
			End: s.call.End(),
			Message: fmt.Sprintf("%s, called %s, passes %s to %s (in %s at %s): %s — %s%s",
				name, where, s.fact.Bg, s.fact.Call, s.fact.Func, s.fact.Site, consequence, g.advice(s.fn, name, root), more),
		})
	}
}
