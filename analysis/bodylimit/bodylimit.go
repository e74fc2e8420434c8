package bodylimit

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/internal/fixutil"
	"github.com/ginleak/ginleak/analysis/rule"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// Analyzer reports a handler reading the whole request body with no bound
// on its size.
var Analyzer = &analysis.Analyzer{
	Name:       "bodylimit",
	Doc:        Doc,
	URL:        rule.DocsBase + "bodylimit.md",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: rule.ResultType,
	Run:        run,
}

// id is the rule's stable ID; run uses it rather than Rule.ID, which would
// make Analyzer, run and Rule an initialization cycle.
const id = "GL1013"

// Rule is the analyzer's rule metadata.
var Rule = rule.Rule{
	Analyzer: Analyzer,
	ID:       id,
	Title:    "whole request body read with no size limit",
	Severity: rule.Warning,
	Since:    "v0.2.0",
}

// guardPath is the package of ginleak's runtime middleware.
const guardPath = "github.com/ginleak/ginleak/guard"

// read is one call that reads a whole request body.
type read struct {
	cur  inspector.Cursor
	call *ast.CallExpr
	name string   // for the message: "io.ReadAll", "c.GetRawData"
	req  ast.Expr // the request: c.Request, r (nil for GetRawData)
	ctx  ast.Expr // the receiver of GetRawData
}

// reqText is the request as source text.
func (r *read) reqText() string {
	if r.req != nil {
		return types.ExprString(r.req)
	}
	return types.ExprString(r.ctx) + ".Request"
}

// facts is what one walk over the package finds.
type facts struct {
	reads []*read
	// bounded: the package limits every request body (guard.BodyLimit or
	// guard.CaptureBody other than as a route's middleware,
	// http.MaxBytesHandler).
	bounded bool
	// limiters are the package's functions that call http.MaxBytesReader
	// (anywhere in their body, literals included); limitLits are the
	// literals that do.
	limiters  map[*types.Func]bool
	limitLits map[*ast.FuncLit]bool
	// passers are the package's functions that call ServeHTTP: with
	// http.MaxBytesReader, a net/http middleware that bounds the body.
	passers map[*types.Func]bool
	// registrations are the calls of gin router methods (Use, Group, GET,
	// POST, ...): the middleware and handlers the package registers.
	registrations []registration
}

// registration is one call of a gin router method.
type registration struct {
	method string
	args   []ast.Expr
	recv   ast.Expr // the router the method is called on
	call   *ast.CallExpr
	group  *types.Var // for Group: the variable the new group is assigned to
}

// scope is where registered limits apply: every handler of the package, or
// the handlers registered after a limit on one route.
type scope struct {
	all   bool
	funcs map[*types.Func]bool
	lits  map[*ast.FuncLit]bool
}

func run(pass *analysis.Pass) (any, error) {
	rep := rule.NewReporter(pass, id)
	if !gintypes.ImportsGinOrHTTP(pass.Pkg) {
		return rep.Result(), nil
	}
	ins, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return rep.Result(), nil
	}
	f := collect(pass.TypesInfo, ins)
	if len(f.reads) == 0 || f.bounded || f.hasHTTPLimit() {
		return rep.Result(), nil
	}
	limited := f.limitScope(pass.TypesInfo)
	if limited.all {
		return rep.Result(), nil
	}
	c := &checker{pass: pass, rep: rep, facts: f, handlers: make(map[ast.Node]handlerParams)}
	for _, r := range f.reads {
		if !c.inHandler(r.cur) || limited.covers(pass.TypesInfo, r.cur) || c.limitedBefore(r) {
			continue
		}
		c.report(r)
	}
	return rep.Result(), nil
}

// interesting are the names of the calls collect looks at; every other
// call is skipped without a type lookup.
var interesting = map[string]bool{
	"ReadAll": true, "GetRawData": true, "BodyLimit": true, "CaptureBody": true,
	"MaxBytesHandler": true, "MaxBytesReader": true, "ServeHTTP": true,
	"Use": true, "Group": true, "Handle": true, "Any": true, "Match": true,
	"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true,
}

// collect walks the package's calls once.
func collect(info *types.Info, ins *inspector.Inspector) *facts {
	f := &facts{
		limiters:  make(map[*types.Func]bool),
		limitLits: make(map[*ast.FuncLit]bool),
		passers:   make(map[*types.Func]bool),
	}
	for cur := range ins.Root().Preorder((*ast.CallExpr)(nil)) {
		call, ok := cur.Node().(*ast.CallExpr)
		if !ok {
			continue
		}
		var name string
		switch fun := ast.Unparen(call.Fun).(type) {
		case *ast.SelectorExpr:
			name = fun.Sel.Name
		case *ast.Ident: // a dot import
			name = fun.Name
		}
		if !interesting[name] {
			continue
		}
		fn := gintypes.Callee(info, call)
		if fn == nil {
			continue
		}
		switch {
		case name == "ReadAll" || name == "GetRawData":
			if r := readOf(info, call, fn); r != nil {
				r.cur = cur
				f.reads = append(f.reads, r)
			}
		case gintypes.IsFunc(fn, guardPath, "BodyLimit", "CaptureBody"):
			// As a route's middleware it bounds that route (limitScope);
			// anywhere else (Use, a variable) assume every route.
			if !isRouteArg(info, cur) && !isRouterArg(info, cur) {
				f.bounded = true
			}
		case gintypes.IsFunc(fn, gintypes.HTTPPath, "MaxBytesHandler"):
			f.bounded = true
		case gintypes.IsFunc(fn, gintypes.HTTPPath, "MaxBytesReader"):
			for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
				switch n := fc.Node().(type) {
				case *ast.FuncLit:
					f.limitLits[n] = true
				case *ast.FuncDecl:
					if obj, ok := info.Defs[n.Name].(*types.Func); ok {
						f.limiters[obj] = true
					}
				}
			}
		case name == "ServeHTTP":
			if decl := outerDecl(info, cur); decl != nil {
				f.passers[decl] = true
			}
		case gintypes.IsMethod(fn, gintypes.IsGinRouter, name):
			reg := registration{method: name, args: call.Args, call: call}
			if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
				reg.recv = sel.X
			}
			if name == "Group" {
				reg.group = assignedVar(info, cur)
			}
			f.registrations = append(f.registrations, reg)
		}
	}
	return f
}

// isRoute reports whether a gin router method registers a route (rather
// than middleware for every route: Use, Group).
func isRoute(method string) bool { return method != "Use" && method != "Group" }

// isRouteArg reports whether the call at cur is an argument of a gin
// route registration: r.POST("/x", guard.BodyLimit(n), h).
func isRouteArg(info *types.Info, cur inspector.Cursor) bool {
	p, ok := cur.Parent().Node().(*ast.CallExpr)
	if !ok || ast.Unparen(p.Fun) == cur.Node() {
		return false
	}
	fn := gintypes.Callee(info, p)
	return fn != nil && isRoute(fn.Name()) && gintypes.IsMethod(fn, gintypes.IsGinRouter, fn.Name())
}

// isRouterArg reports whether the call at cur is an argument of a gin
// Use or Group call: the router's limit, resolved per router by
// limitScope.
func isRouterArg(info *types.Info, cur inspector.Cursor) bool {
	p, ok := cur.Parent().Node().(*ast.CallExpr)
	if !ok || ast.Unparen(p.Fun) == cur.Node() {
		return false
	}
	fn := gintypes.Callee(info, p)
	return fn != nil && !isRoute(fn.Name()) && gintypes.IsMethod(fn, gintypes.IsGinRouter, fn.Name())
}

// assignedVar returns the local variable the call at cur is assigned to
// (g := r.Group(...), var g = ...), or nil.
func assignedVar(info *types.Info, cur inspector.Cursor) *types.Var {
	var id *ast.Ident
	switch p := cur.Parent().Node().(type) {
	case *ast.AssignStmt:
		if len(p.Lhs) == 1 && len(p.Rhs) == 1 {
			id, _ = ast.Unparen(p.Lhs[0]).(*ast.Ident)
		}
	case *ast.ValueSpec:
		if len(p.Names) == 1 && len(p.Values) == 1 {
			id = p.Names[0]
		}
	}
	if id == nil {
		return nil
	}
	v, _ := info.ObjectOf(id).(*types.Var)
	if v == nil || v.IsField() || gintypes.IsPackageLevel(v) {
		return nil
	}
	return v
}

// outerDecl returns the declared function around cur, or nil.
func outerDecl(info *types.Info, cur inspector.Cursor) *types.Func {
	for fc := range cur.Enclosing((*ast.FuncDecl)(nil)) {
		obj, _ := info.Defs[fc.Node().(*ast.FuncDecl).Name].(*types.Func)
		return obj
	}
	return nil
}

// limiting reports whether the registered middleware e bounds the body:
// guard.BodyLimit or guard.CaptureBody, a literal that calls
// http.MaxBytesReader, a same-package function that does, or a call of
// one (a middleware factory).
func (f *facts) limiting(info *types.Info, e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.FuncLit:
		return f.limitLits[e]
	case *ast.CallExpr:
		fn := gintypes.Callee(info, e)
		return fn != nil && (f.limiters[fn.Origin()] || gintypes.IsFunc(fn, guardPath, "BodyLimit", "CaptureBody"))
	case *ast.Ident, *ast.SelectorExpr:
		fn, ok := gintypes.ObjectOf(info, e).(*types.Func)
		return ok && f.limiters[fn.Origin()]
	}
	return false
}

// limitScope returns where the package's registered limits apply, per
// router where it can be told:
//
//   - a limit given to Use on an engine (*gin.Engine) covers every handler
//     of the package, as it cannot follow every handler to its router;
//   - a limit given to Use on a group, or to Group, covers the handlers
//     registered on that group, on groups made from it (g := x.Group(...),
//     x.Group(...).GET(...)), and on the variable's router after a Use;
//   - a limit given to a route (r.POST(path, limit, h)) covers the
//     handlers after it in that call.
//
// Handlers are literals, same-package functions and the literals of
// same-package factories. A handler also registered somewhere the limit
// does not reach is not covered. Routers are local variables, tracked
// flow-insensitively: a Use anywhere in the function counts for every
// registration on that variable, also the earlier ones.
func (f *facts) limitScope(info *types.Info) scope {
	s := scope{funcs: make(map[*types.Func]bool), lits: make(map[*ast.FuncLit]bool)}
	limitAt := func(args []ast.Expr) int {
		for i, e := range args {
			if f.limiting(info, e) {
				return i
			}
		}
		return -1
	}
	limitedVars := make(map[*types.Var]bool)
	var limited func(e ast.Expr) bool
	limited = func(e ast.Expr) bool {
		switch e := ast.Unparen(e).(type) {
		case *ast.Ident:
			v, ok := info.Uses[e].(*types.Var)
			return ok && limitedVars[v]
		case *ast.CallExpr: // x.Group(...).GET(...)
			for _, reg := range f.registrations {
				if reg.call == e && reg.method == "Group" {
					return limitAt(reg.args) >= 0 || reg.recv != nil && limited(reg.recv)
				}
			}
		}
		return false
	}
	// Two rounds: a group made before its parent's Use is found limited
	// in the second.
	for range 2 {
		for _, reg := range f.registrations {
			switch {
			case reg.method == "Use" && limitAt(reg.args) >= 0:
				if reg.recv == nil || gintypes.IsPointerTo(info.TypeOf(reg.recv), gintypes.GinPath, "Engine") {
					s.all = true
					return s
				}
				if id, ok := ast.Unparen(reg.recv).(*ast.Ident); ok {
					if v, ok := info.Uses[id].(*types.Var); ok {
						limitedVars[v] = true
					}
				}
			case reg.method == "Group" && reg.group != nil:
				if limitAt(reg.args) >= 0 || reg.recv != nil && limited(reg.recv) {
					limitedVars[reg.group] = true
				}
			}
		}
	}
	unlimited := scope{funcs: make(map[*types.Func]bool), lits: make(map[*ast.FuncLit]bool)}
	for _, reg := range f.registrations {
		from := 0 // the first argument the limit covers
		switch i := limitAt(reg.args); {
		case reg.recv != nil && limited(reg.recv):
		case i >= 0:
			from = i + 1
		default:
			from = len(reg.args)
		}
		for i, h := range reg.args {
			target := s
			if i < from {
				target = unlimited
			}
			target.add(info, h)
		}
	}
	for fn := range unlimited.funcs {
		delete(s.funcs, fn)
	}
	for lit := range unlimited.lits {
		delete(s.lits, lit)
	}
	return s
}

// add records the handler h: a literal, a same-package function or method
// value, or a factory call.
func (s scope) add(info *types.Info, h ast.Expr) {
	switch h := ast.Unparen(h).(type) {
	case *ast.FuncLit:
		s.lits[h] = true
	case *ast.CallExpr:
		if fn := gintypes.Callee(info, h); fn != nil {
			s.funcs[fn.Origin()] = true
		}
	case *ast.Ident, *ast.SelectorExpr:
		if fn, ok := gintypes.ObjectOf(info, h).(*types.Func); ok {
			s.funcs[fn.Origin()] = true
		}
	}
}

// covers reports whether the read at cur is in a function the scope
// covers.
func (s scope) covers(info *types.Info, cur inspector.Cursor) bool {
	if len(s.funcs) == 0 && len(s.lits) == 0 {
		return false
	}
	for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		switch n := fc.Node().(type) {
		case *ast.FuncLit:
			if s.lits[n] {
				return true
			}
		case *ast.FuncDecl:
			if fn, ok := info.Defs[n.Name].(*types.Func); ok && s.funcs[fn] {
				return true
			}
		}
	}
	return false
}

// hasHTTPLimit reports whether the package has a net/http middleware that
// bounds the body: a function that calls both http.MaxBytesReader and
// ServeHTTP. Where it is registered is not checked.
func (f *facts) hasHTTPLimit() bool {
	for fn := range f.passers {
		if f.limiters[fn] {
			return true
		}
	}
	return false
}

// readOf returns the read when call (of fn) reads a whole request body
// unwrapped, else nil.
func readOf(info *types.Info, call *ast.CallExpr, fn *types.Func) *read {
	switch {
	case gintypes.IsFunc(fn, "io", "ReadAll") || gintypes.IsFunc(fn, "io/ioutil", "ReadAll"):
		if len(call.Args) != 1 {
			return nil
		}
		sel, ok := ast.Unparen(call.Args[0]).(*ast.SelectorExpr)
		if !ok || !gintypes.IsRequestBody(info, sel) {
			return nil // a wrapped body (LimitReader, MaxBytesReader) or another reader
		}
		return &read{call: call, name: fn.Pkg().Name() + "." + fn.Name(), req: ast.Unparen(sel.X)}
	case gintypes.IsMethod(fn, gintypes.IsGinContext, "GetRawData"):
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok {
			return nil
		}
		x := ast.Unparen(sel.X)
		return &read{call: call, name: types.ExprString(x) + ".GetRawData", ctx: x}
	}
	return nil
}

type checker struct {
	pass     *analysis.Pass
	rep      *rule.Reporter
	facts    *facts
	handlers map[ast.Node]handlerParams
}

// handlerParams are the request-handling parameters of one function.
type handlerParams struct {
	ctx *types.Var // a *gin.Context parameter
	w   *types.Var // an http.ResponseWriter parameter, with an *http.Request one
}

func (h handlerParams) ok() bool { return h.ctx != nil || h.w != nil }

// params returns the request-handling parameters of a function, memoised.
func (c *checker) params(fn ast.Node) handlerParams {
	if h, ok := c.handlers[fn]; ok {
		return h
	}
	var h handlerParams
	if sig := gintypes.FuncSignature(c.pass.TypesInfo, fn); sig != nil {
		var w *types.Var
		var req bool
		for v := range sig.Params().Variables() {
			t := v.Type()
			switch {
			case gintypes.IsGinContext(t):
				if h.ctx == nil {
					h.ctx = v
				}
			case gintypes.IsNamed(t, gintypes.HTTPPath, "ResponseWriter"):
				w = v
			case gintypes.IsPointerTo(t, gintypes.HTTPPath, "Request"):
				req = true
			}
		}
		if req {
			h.w = w
		}
	}
	c.handlers[fn] = h
	return h
}

// inHandler reports whether cur lies in a function that handles a request
// or in a literal inside one.
func (c *checker) inHandler(cur inspector.Cursor) bool {
	for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		if c.params(fc.Node()).ok() {
			return true
		}
	}
	return false
}

// limitedBefore reports whether, before the read, the function holding it
// or one around it bounds a request body: assigns one that contains
// http.MaxBytesReader or io.LimitReader, or passes the context or request
// to a same-package function that calls http.MaxBytesReader. Position order stands in for control
// flow; literals that do not contain the read are skipped.
func (c *checker) limitedBefore(r *read) bool {
	var outer ast.Node
	for fc := range r.cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		outer = fc.Node()
	}
	body := gintypes.FuncBody(outer)
	if body == nil {
		return false
	}
	info := c.pass.TypesInfo
	pos := r.call.Pos()
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if found || n == nil || n.Pos() >= pos {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit:
			return n.Pos() <= pos && pos < n.End()
		case *ast.AssignStmt:
			if n.End() <= pos && c.assignsLimitedBody(n) {
				found = true
			}
		case *ast.CallExpr:
			if fn := gintypes.Callee(info, n); fn != nil && fn.Pkg() == c.pass.Pkg &&
				c.facts.limiters[fn.Origin()] && passesRequest(info, n) {
				found = true
			}
		}
		return !found
	})
	return found
}

// passesRequest reports whether call is given a *gin.Context or an
// *http.Request: a helper limiting this request (limitBody(c, n)), not a
// middleware factory (limit(n)).
func passesRequest(info *types.Info, call *ast.CallExpr) bool {
	for _, a := range call.Args {
		if t := info.TypeOf(a); gintypes.IsGinContext(t) || gintypes.IsPointerTo(t, gintypes.HTTPPath, "Request") {
			return true
		}
	}
	return false
}

// assignsLimitedBody reports whether a assigns a request's Body a reader
// built with http.MaxBytesReader or io.LimitReader.
func (c *checker) assignsLimitedBody(a *ast.AssignStmt) bool {
	info := c.pass.TypesInfo
	for i, lhs := range a.Lhs {
		sel, ok := ast.Unparen(lhs).(*ast.SelectorExpr)
		if !ok || !gintypes.IsRequestBody(info, sel) || i >= len(a.Rhs) {
			continue
		}
		limited := false
		ast.Inspect(a.Rhs[i], func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				fn := gintypes.Callee(info, call)
				if gintypes.IsFunc(fn, gintypes.HTTPPath, "MaxBytesReader") || gintypes.IsFunc(fn, "io", "LimitReader") {
					limited = true
				}
			}
			return !limited
		})
		if limited {
			return true
		}
	}
	return false
}

func (c *checker) report(r *read) {
	w, gin := c.writer(r)
	wText := w
	if wText == "" {
		wText = "w"
		if gin {
			wText = "c.Writer"
		}
	}
	req := r.reqText()
	wrap := fmt.Sprintf("%s.Body = http.MaxBytesReader(%s, %s.Body, 1<<20)", req, wText, req)
	or := "or wrap the handler in http.MaxBytesHandler"
	if gin {
		or = "or register guard.BodyLimit"
	}
	msg := fmt.Sprintf("%s reads the whole request body with no size limit: one large request can exhaust memory — wrap it: %s, %s",
		r.name, wrap, or)
	var fixes []analysis.SuggestedFix
	if w != "" {
		fixes = c.fix(r, w)
	}
	c.rep.Report(analysis.Diagnostic{Pos: r.call.Pos(), End: r.call.End(), Message: msg, SuggestedFixes: fixes})
}

// writer returns the ResponseWriter to pass to http.MaxBytesReader as
// source text, or "" when there is none to name; gin says whether the
// read is in gin code (for the advice).
func (c *checker) writer(r *read) (w string, gin bool) {
	info := c.pass.TypesInfo
	switch {
	case r.ctx != nil:
		return types.ExprString(r.ctx) + ".Writer", true
	case isCtxRequest(info, r.req):
		return types.ExprString(r.req.(*ast.SelectorExpr).X) + ".Writer", true
	}
	for fc := range r.cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		h := c.params(fc.Node())
		for _, v := range []*types.Var{h.w, h.ctx} {
			if v == nil || v.Name() == "_" || v.Name() == "" || !c.visible(v, r.call.Pos()) {
				continue
			}
			if v == h.ctx {
				return v.Name() + ".Writer", true
			}
			return v.Name(), false
		}
		if h.ok() {
			return "", h.ctx != nil && h.w == nil
		}
	}
	return "", false
}

// isCtxRequest reports whether e is x.Request with x a *gin.Context.
func isCtxRequest(info *types.Info, e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Request" && gintypes.IsGinContext(info.TypeOf(sel.X)) && fixutil.Repeatable(sel.X)
}

// visible reports whether the name of v denotes v at pos.
func (c *checker) visible(v *types.Var, pos token.Pos) bool {
	scope := c.pass.Pkg.Scope().Innermost(pos)
	if scope == nil {
		return false
	}
	_, obj := scope.LookupParent(v.Name(), pos)
	return obj == v
}
