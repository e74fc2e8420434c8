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
	"golang.org/x/tools/go/ast/inspector"
)

type checker struct {
	pass     *analysis.Pass
	rep      *rule.Reporter
	facts    *facts
	handlers map[ast.Node]handlerParams
	limits   map[ast.Node]map[ast.Node]firstLimit // by outermost function, see limitsOf
	srcs     *fixutil.Sources
	steps    int // nodes limitsOf looked at, for the linearity test
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
// to a same-package function that calls http.MaxBytesReader. Position
// order stands in for control flow; literals that do not contain the read
// are skipped. The limits of the outermost function are found once (see
// limitsOf), so a long function with many reads is walked once, not once
// per read.
func (c *checker) limitedBefore(r *read) bool {
	var outer inspector.Cursor
	for fc := range r.cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		outer = fc
	}
	if !outer.Valid() {
		return false
	}
	lim := c.limitsOf(outer)
	pos := r.call.Pos()
	// The limits that count are those directly in a function on the way
	// from the read out to the outermost one: a literal that does not
	// hold the read need not run before it.
	for fc := range r.cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		if l, ok := lim[fc.Node()]; ok && l.before(pos) {
			return true
		}
	}
	return false
}

// firstLimit is the earliest limit directly in one function (not in a
// literal inside it).
type firstLimit struct {
	assignEnd token.Pos // the end of the first assignment of a limited body
	callPos   token.Pos // the start of the first call of a limiting helper
}

// before reports whether a limit is complete before pos (an assignment)
// or starts before it (a helper call, which may hold the read).
func (l firstLimit) before(pos token.Pos) bool {
	return (l.assignEnd.IsValid() && l.assignEnd <= pos) || (l.callPos.IsValid() && l.callPos < pos)
}

// limitsOf returns, for the function at outer and each literal inside it,
// its first limit, in one walk of outer's body, memoised.
func (c *checker) limitsOf(outer inspector.Cursor) map[ast.Node]firstLimit {
	if lim, ok := c.limits[outer.Node()]; ok {
		return lim
	}
	lim := make(map[ast.Node]firstLimit)
	c.limits[outer.Node()] = lim
	body := gintypes.FuncBody(outer.Node())
	if body == nil {
		return lim
	}
	info := c.pass.TypesInfo
	for cur := range outer.Preorder((*ast.AssignStmt)(nil), (*ast.CallExpr)(nil)) {
		n := cur.Node()
		c.steps++
		if n.Pos() < body.Pos() || n.End() > body.End() {
			continue // in the signature
		}
		var fn ast.Node
		for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
			fn = fc.Node()
			break
		}
		l := lim[fn]
		switch n := n.(type) {
		case *ast.AssignStmt:
			if (!l.assignEnd.IsValid() || n.End() < l.assignEnd) && c.assignsLimitedBody(n) {
				l.assignEnd = n.End()
			}
		case *ast.CallExpr:
			if l.callPos.IsValid() {
				break // calls come in position order
			}
			if callee := gintypes.Callee(info, n); callee != nil && callee.Pkg() == c.pass.Pkg &&
				c.facts.limiters[callee.Origin()] && passesRequest(info, n) {
				l.callPos = n.Pos()
			}
		}
		lim[fn] = l
	}
	return lim
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
