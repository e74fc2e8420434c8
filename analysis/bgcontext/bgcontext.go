package bgcontext

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/rule"
)

// Analyzer reports context.Background() and context.TODO() passed to
// context-taking calls made synchronously inside request handlers.
var Analyzer = &analysis.Analyzer{
	Name:       "bgcontext",
	Doc:        Doc,
	URL:        rule.DocsBase + "bgcontext.md",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: rule.ResultType,
	Run:        run,
}

// id is Rule.ID; run uses it so that Analyzer, run and Rule do not form an
// initialization cycle.
const id = "GL1011"

// Rule is the bgcontext rule's metadata.
var Rule = rule.Rule{
	Analyzer: Analyzer,
	ID:       id,
	Title:    "context.Background() or context.TODO() used for a request's work in its handler",
	Severity: rule.Warning,
	Since:    "v0.2.0",
}

const (
	contextPath = "context"
	guardPath   = "github.com/ginleak/ginleak/guard"
)

// timeoutWrappers derive a context that ends by itself: work under it is
// bounded even though the client's departure does not cancel it.
var timeoutWrappers = []string{"WithTimeout", "WithDeadline", "WithTimeoutCause", "WithDeadlineCause"}

// handler is a function that serves a request: the request's context is
// reachable through param.
type handler struct {
	kind  gintypes.HandlerKind
	param *types.Var
	cur   inspector.Cursor // the FuncDecl or FuncLit
}

// finding is a Background()/TODO() call that reaches a context-taking call,
// directly or through the local variable via.
type finding struct {
	bg   *ast.CallExpr
	to   *ast.CallExpr
	via  *types.Var
	h    *handler
	file *ast.File
	// noFix: the variable's value also goes elsewhere (a goroutine, a
	// deferred cleanup, a struct), which the request's context would
	// cancel or change.
	noFix bool
}

// pending is a Background()/TODO() call assigned to a local variable; it is
// a finding if the variable then reaches a context-taking call.
type pending struct {
	bg    *ast.CallExpr
	v     *types.Var
	h     *handler
	file  *ast.File
	first *ast.CallExpr // the first context-taking call it reaches
	other bool          // it also reaches another use
}

type checker struct {
	pass     *analysis.Pass
	info     *types.Info
	handlers map[ast.Node]*handler // nil value: not a handler
	pending  map[*handler][]*pending
	order    []*handler // handlers with pending calls, in source order
	pkgUses  map[*ast.File]map[*types.PkgName]int
}

func run(pass *analysis.Pass) (any, error) {
	rep := rule.NewReporter(pass, id)
	if !gintypes.ImportsGinOrHTTP(pass.Pkg) || !importsPkg(pass.Pkg, contextPath) {
		return rep.Result(), nil
	}
	ins, _ := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if ins == nil || pass.TypesInfo == nil {
		return rep.Result(), nil
	}
	c := &checker{
		pass:     pass,
		info:     pass.TypesInfo,
		handlers: make(map[ast.Node]*handler),
		pending:  make(map[*handler][]*pending),
		pkgUses:  make(map[*ast.File]map[*types.PkgName]int),
	}
	var found []finding
	for fc := range ins.Root().Children() {
		f, ok := fc.Node().(*ast.File)
		if !ok || gintypes.IsTestFile(pass.Fset, f) || !fileImports(f, contextPath) {
			continue
		}
		for cc := range fc.Preorder((*ast.CallExpr)(nil)) {
			call, ok := cc.Node().(*ast.CallExpr)
			if ok && c.isBackground(call) {
				if fd, ok := c.check(f, cc, call); ok {
					found = append(found, fd)
				}
			}
		}
	}
	found = append(found, c.resolvePending()...)
	slices.SortFunc(found, func(a, b finding) int { return cmp.Compare(a.bg.Pos(), b.bg.Pos()) })
	for _, fd := range found {
		c.report(rep, fd)
	}
	return rep.Result(), nil
}

func importsPkg(pkg *types.Package, path string) bool {
	for _, imp := range pkg.Imports() {
		if imp.Path() == path {
			return true
		}
	}
	return false
}

func fileImports(f *ast.File, path string) bool {
	quoted := `"` + path + `"`
	for _, spec := range f.Imports {
		if spec.Path != nil && spec.Path.Value == quoted {
			return true
		}
	}
	return false
}

// isBackground reports whether call is context.Background() or
// context.TODO(); most calls are ruled out by name before any type lookup.
func (c *checker) isBackground(call *ast.CallExpr) bool {
	var name string
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		name = fun.Name
	case *ast.SelectorExpr:
		name = fun.Sel.Name
	}
	if name != "Background" && name != "TODO" {
		return false
	}
	return gintypes.IsFunc(gintypes.Callee(c.info, call), contextPath, "Background", "TODO")
}

// check classifies one Background()/TODO() call: passed straight to a
// context-taking call (a finding), assigned to a local (pending), or
// anything else (ignored).
func (c *checker) check(f *ast.File, cc inspector.Cursor, bg *ast.CallExpr) (finding, bool) {
	h := c.enclosingHandler(cc)
	if h == nil {
		return finding{}, false
	}
	child, parent := cc, cc.Parent()
	for {
		if _, ok := parent.Node().(*ast.ParenExpr); !ok {
			break
		}
		child, parent = parent, parent.Parent()
	}
	kind, idx := child.ParentEdge()
	switch p := parent.Node().(type) {
	case *ast.CallExpr:
		if kind == edge.CallExpr_Args && c.countsAsUse(p, idx) {
			return finding{bg: bg, to: p, h: h, file: f}, true
		}
	case *ast.AssignStmt:
		if kind == edge.AssignStmt_Rhs && len(p.Lhs) == len(p.Rhs) {
			c.addPending(h, f, bg, p.Lhs[idx])
		}
	case *ast.ValueSpec:
		if kind == edge.ValueSpec_Values && len(p.Names) == len(p.Values) {
			c.addPending(h, f, bg, p.Names[idx])
		}
	}
	return finding{}, false
}

func (c *checker) addPending(h *handler, f *ast.File, bg *ast.CallExpr, lhs ast.Expr) {
	v := c.localOf(h, lhs)
	if v == nil {
		return
	}
	if len(c.pending[h]) == 0 {
		c.order = append(c.order, h)
	}
	c.pending[h] = append(c.pending[h], &pending{bg: bg, v: v, h: h, file: f})
}

// localOf returns the variable e names if it is declared inside h's
// function (a local or a parameter): only then does h see all its
// assignments.
func (c *checker) localOf(h *handler, e ast.Expr) *types.Var {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return nil
	}
	v, ok := c.info.ObjectOf(id).(*types.Var)
	if !ok || v.IsField() || gintypes.IsPackageLevel(v) {
		return nil
	}
	n := h.cur.Node()
	if v.Pos() < n.Pos() || v.Pos() >= n.End() {
		return nil
	}
	return v
}

// enclosingHandler returns the innermost handler whose request's work the
// call at cc does synchronously, or nil: outside any handler, or inside a
// go or defer statement or a function handed to guard.Go or
// time.AfterFunc first.
func (c *checker) enclosingHandler(cc inspector.Cursor) *handler {
	for cur := cc.Parent(); cur.Node() != nil; cur = cur.Parent() {
		switch cur.Node().(type) {
		case *ast.GoStmt, *ast.DeferStmt:
			return nil
		case *ast.FuncLit:
			if h := c.handlerOf(cur); h != nil {
				return h
			}
			if c.detachedLit(cur) {
				return nil
			}
		case *ast.FuncDecl:
			return c.handlerOf(cur)
		}
	}
	return nil
}

// handlerOf returns the handler cur's function is, or nil.
func (c *checker) handlerOf(cur inspector.Cursor) *handler {
	n := cur.Node()
	if h, ok := c.handlers[n]; ok {
		return h
	}
	var h *handler
	if kind, param := gintypes.RequestParam(gintypes.FuncSignature(c.info, n)); kind != gintypes.NotHandler {
		h = &handler{kind: kind, param: param, cur: cur}
	}
	c.handlers[n] = h
	return h
}

// detachedLit reports whether the function literal at cur is an argument
// of a call that runs it on another goroutine.
func (c *checker) detachedLit(cur inspector.Cursor) bool {
	call, ok := cur.Parent().Node().(*ast.CallExpr)
	return ok && cur.ParentEdgeKind() == edge.CallExpr_Args && detaches(gintypes.Callee(c.info, call))
}

// detaches reports whether fn runs work on a goroutine of its own that is
// meant to outlive the request: guard.Go, (*guard.Async).Go, time.AfterFunc.
func detaches(fn *types.Func) bool {
	return gintypes.IsFunc(fn, guardPath, "Go") || gintypes.IsFunc(fn, "time", "AfterFunc") ||
		gintypes.IsMethod(fn, isAsync, "Go")
}

func isAsync(t types.Type) bool { return gintypes.IsNamed(t, guardPath, "Async") }

// countsAsUse reports whether a background context passed as call's
// argument idx is used for unbounded work: the parameter is a
// context.Context, and the call neither bounds it with a timeout nor
// detaches the work on purpose.
func (c *checker) countsAsUse(call *ast.CallExpr, idx int) bool {
	fn := gintypes.Callee(c.info, call)
	if gintypes.IsFunc(fn, contextPath, timeoutWrappers...) || detaches(fn) {
		return false
	}
	return isContext(c.paramType(call, idx))
}

// paramType returns the type of the parameter that call's argument idx is
// passed to, or nil for conversions, builtins and spread arguments.
func (c *checker) paramType(call *ast.CallExpr, idx int) types.Type {
	tv, ok := c.info.Types[call.Fun]
	if !ok || tv.IsType() || tv.IsBuiltin() || tv.Type == nil {
		return nil
	}
	sig, ok := tv.Type.Underlying().(*types.Signature)
	if !ok {
		return nil
	}
	params := sig.Params()
	n := params.Len()
	switch {
	case sig.Variadic() && idx >= n-1:
		if call.Ellipsis.IsValid() {
			return nil
		}
		if s, ok := params.At(n - 1).Type().Underlying().(*types.Slice); ok {
			return s.Elem()
		}
		return nil
	case idx < n:
		return params.At(idx).Type()
	}
	return nil
}

func isContext(t types.Type) bool { return gintypes.IsNamed(t, contextPath, "Context") }

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

func (c *checker) report(rep *rule.Reporter, fd finding) {
	name := "context.Background()"
	if fn := gintypes.Callee(c.info, fd.bg); fn != nil && fn.Name() == "TODO" {
		name = "context.TODO()"
	}
	via := ""
	if fd.via != nil {
		via = " through " + fd.via.Name()
	}
	want := requestContext(fd.h)
	if want == "" {
		if fd.h.kind == gintypes.GinHandler {
			want = "the request's context (c.Request.Context())"
		} else {
			want = "the request's context (r.Context())"
		}
	}
	var fixes []analysis.SuggestedFix
	if !fd.noFix {
		fixes = c.fix(fd)
	}
	rep.Report(analysis.Diagnostic{
		Pos: fd.bg.Pos(),
		End: fd.bg.End(),
		Message: fmt.Sprintf("%s passed to %s%s in a request handler: the work is not cancelled when the client goes away "+
			"and keeps holding the handler's goroutine and memory — pass %s", name, callName(fd.to), via, want),
		SuggestedFixes: fixes,
	})
}

// requestContext returns the expression for h's request context, or "" if
// its request parameter has no usable name.
func requestContext(h *handler) string {
	if h.param == nil || h.param.Name() == "" || h.param.Name() == "_" {
		return ""
	}
	if h.kind == gintypes.GinHandler {
		return h.param.Name() + ".Request.Context()"
	}
	return h.param.Name() + ".Context()"
}

// callName renders the called function for the message: db.QueryContext,
// http.NewRequestWithContext, generic[int].
func callName(call *ast.CallExpr) string {
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		return fun.Name
	case *ast.FuncLit:
		return "a function literal"
	case *ast.SelectorExpr, *ast.IndexExpr, *ast.IndexListExpr:
		if s := types.ExprString(fun); len(s) <= 48 {
			return s
		}
		if sel, ok := fun.(*ast.SelectorExpr); ok {
			return "…." + sel.Sel.Name
		}
	}
	return "a function value"
}
