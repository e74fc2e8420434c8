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
	FactTypes:  []analysis.Fact{new(Fact)},
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
// WithoutCancel detaches on purpose: a background context there changes
// nothing.
var timeoutWrappers = []string{"WithTimeout", "WithDeadline", "WithTimeoutCause", "WithDeadlineCause", "WithoutCancel"}

// derivers derive a context that is no more bounded than its parent.
var derivers = []string{"WithValue", "WithCancel", "WithCancelCause"}

// handler is a function whose Background()/TODO() calls are checked: one
// that serves a request (the request's context is reachable through param),
// or a helper, a function declaration with no request parameter (kind
// NotHandler), whose findings count only if request handling alone calls
// it (see reach.go).
type handler struct {
	kind  gintypes.HandlerKind
	param *types.Var
	cur   inspector.Cursor // the FuncDecl or FuncLit
}

func (h *handler) isHelper() bool { return h.kind == gintypes.NotHandler }

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
	helpers  map[ast.Node]*handler // function declarations that are not handlers
	pending  map[*handler][]*pending
	order    []*handler // handlers with pending calls, in source order
	pkgUses  map[*ast.File]map[*types.PkgName]int
}

func run(pass *analysis.Pass) (any, error) {
	rep := rule.NewReporter(pass, id)
	ins, _ := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if ins == nil || pass.TypesInfo == nil {
		return rep.Result(), nil // a dependency loaded without syntax
	}
	// A package that neither calls context.Background() nor calls
	// functions that do (imported facts) has nothing to report or export.
	facts := importedFacts(pass)
	if !importsPkg(pass.Pkg, contextPath) && len(facts) == 0 {
		return rep.Result(), nil
	}
	c := &checker{
		pass:     pass,
		info:     pass.TypesInfo,
		handlers: make(map[ast.Node]*handler),
		helpers:  make(map[ast.Node]*handler),
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
	var inHelpers []finding
	for _, fd := range found {
		if fd.h.isHelper() {
			inHelpers = append(inHelpers, fd)
			continue
		}
		c.report(rep, fd)
	}
	g := c.buildGraph(ins, facts)
	g.addFindings(inHelpers)
	g.resolve(rep)
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
		if kind == edge.CallExpr_Args && c.countsAsUse(p, idx) && !c.derivedForNothing(parent, p) {
			return finding{bg: bg, to: p, h: h, file: f}, true
		}
	case *ast.AssignStmt:
		if kind == edge.AssignStmt_Rhs && len(p.Lhs) == len(p.Rhs) && !c.nilDefault(parent, p, idx) {
			c.addPending(h, f, bg, p.Lhs[idx])
		}
	case *ast.ValueSpec:
		if kind == edge.ValueSpec_Values && len(p.Names) == len(p.Values) {
			c.addPending(h, f, bg, p.Names[idx])
		}
	}
	return finding{}, false
}

// derivedForNothing reports whether call (at cur) derives a context from
// the background one only to hand it straight to a call that does not
// count as work: logger.Info(context.WithValue(context.TODO(), k, v)),
// context.WithTimeout(context.WithValue(context.Background(), k, v), d).
func (c *checker) derivedForNothing(cur inspector.Cursor, call *ast.CallExpr) bool {
	if !gintypes.IsFunc(gintypes.Callee(c.info, call), contextPath, derivers...) {
		return false
	}
	for {
		if _, ok := cur.Parent().Node().(*ast.ParenExpr); !ok {
			break
		}
		cur = cur.Parent()
	}
	outer, ok := cur.Parent().Node().(*ast.CallExpr)
	if !ok {
		return false
	}
	kind, idx := cur.ParentEdge()
	return kind == edge.CallExpr_Args && !c.countsAsUse(outer, idx)
}

// nilDefault reports whether the assignment at cur is the defensive
// default `if ctx == nil { ctx = context.Background() }`: the caller's
// context is used whenever there is one.
func (c *checker) nilDefault(cur inspector.Cursor, as *ast.AssignStmt, idx int) bool {
	if as.Tok != token.ASSIGN {
		return false
	}
	block, ok := cur.Parent().Node().(*ast.BlockStmt)
	if !ok {
		return false
	}
	ifs, ok := cur.Parent().Parent().Node().(*ast.IfStmt)
	if !ok || ifs.Body != block {
		return false
	}
	b, ok := ast.Unparen(ifs.Cond).(*ast.BinaryExpr)
	if !ok || b.Op != token.EQL {
		return false
	}
	v := gintypes.ObjectOf(c.info, as.Lhs[idx])
	nilY := func(e ast.Expr) bool { id, ok := ast.Unparen(e).(*ast.Ident); return ok && id.Name == "nil" }
	return v != nil && ((gintypes.ObjectOf(c.info, b.X) == v && nilY(b.Y)) || (gintypes.ObjectOf(c.info, b.Y) == v && nilY(b.X)))
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
// call at cc does synchronously, or the helper (a function declaration
// that is not a handler) whose work it is, or nil: outside any function,
// or inside a go or defer statement or a function handed to guard.Go or
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
			if h := c.handlerOf(cur); h != nil {
				return h
			}
			return c.helperOf(cur)
		}
	}
	return nil
}

// helperOf returns the helper scope of the function declaration at cur.
func (c *checker) helperOf(cur inspector.Cursor) *handler {
	n := cur.Node()
	if h, ok := c.helpers[n]; ok {
		return h
	}
	h := &handler{kind: gintypes.NotHandler, cur: cur}
	c.helpers[n] = h
	return h
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
// context.Context, and the call neither bounds it with a timeout, nor
// detaches the work on purpose, nor only hands values to a logger.
func (c *checker) countsAsUse(call *ast.CallExpr, idx int) bool {
	fn := gintypes.Callee(c.info, call)
	if gintypes.IsFunc(fn, contextPath, timeoutWrappers...) || detaches(fn) || isLogCall(c.info, call, fn) {
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

func (c *checker) report(rep *rule.Reporter, fd finding) {
	via := ""
	if fd.via != nil {
		via = " through " + fd.via.Name()
	}
	want := requestContext(fd.h)
	if want == "" {
		want = fallbackContext(fd.h)
	}
	var fixes []analysis.SuggestedFix
	if !fd.noFix {
		fixes = c.fix(fd)
	}
	rep.Report(analysis.Diagnostic{
		Pos:            fd.bg.Pos(),
		End:            fd.bg.End(),
		Message:        fmt.Sprintf("%s passed to %s%s in a request handler: %s — pass %s", c.bgName(fd.bg), callName(fd.to), via, consequence, want),
		SuggestedFixes: fixes,
	})
}

// bgName is how the message names the Background()/TODO() call.
func (c *checker) bgName(bg *ast.CallExpr) string {
	if fn := gintypes.Callee(c.info, bg); fn != nil && fn.Name() == "TODO" {
		return "context.TODO()"
	}
	return "context.Background()"
}

// fallbackContext names the request's context when h's request parameter
// has no usable name.
func fallbackContext(h *handler) string {
	if h.kind == gintypes.GinHandler {
		return "the request's context (c.Request.Context())"
	}
	return "the request's context (r.Context())"
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
