package bodylimit

import (
	"go/ast"
	"go/types"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
)

// useNames are the router methods that take net/http middleware
// (func(http.Handler) http.Handler): chi's and gorilla/mux's Use, chi's
// With. Matched by name, on any receiver, because each router library has
// its own types.
var useNames = map[string]bool{"Use": true, "With": true}

// appliedHTTPLimit reports whether the package applies, in a non-test
// file, one of its own net/http middleware that bound the body (a function
// that calls both http.MaxBytesReader and ServeHTTP). Only an applied one
// bounds the package's reads: a middleware that is defined but never used,
// or used only in tests, bounds nothing. Applied means:
//
//   - called with a handler to wrap: limit(mux), limit(r) with r a
//     *gin.Engine, limit(http.HandlerFunc(upload)), limit(upload), also
//     through a factory, limit(1<<20)(mux);
//   - given to Use or With, as a value or a factory's result
//     (r.Use(limit), r.Use(limit(1<<20))), directly or through one adapter
//     call (r.Use(adapter.Wrap(limit)));
//   - for a ServeHTTP method, a composite literal of its type with at least
//     one element (&limiter{next: mux}).
func (f *facts) appliedHTTPLimit(pass *analysis.Pass, ins *inspector.Inspector) bool {
	mws := make(map[*types.Func]bool)
	recvs := make(map[*types.TypeName]bool) // receivers of ServeHTTP middleware
	for fn := range f.passers {
		if !f.limiters[fn] {
			continue
		}
		mws[fn] = true
		if fn.Name() == "ServeHTTP" {
			if tn := recvTypeName(fn); tn != nil {
				recvs[tn] = true
			}
		}
	}
	if len(mws) == 0 {
		return false
	}
	info := pass.TypesInfo
	handler := handlerIface(pass.Pkg)
	for file := range sourceFiles(pass, ins) {
		for cur := range file.Preorder((*ast.Ident)(nil), (*ast.CompositeLit)(nil)) {
			switch n := cur.Node().(type) {
			case *ast.Ident:
				if fn, ok := info.Uses[n].(*types.Func); ok && mws[fn.Origin()] && appliedAt(info, handler, cur) {
					return true
				}
			case *ast.CompositeLit:
				if len(n.Elts) > 0 && recvs[namedOf(info.TypeOf(n))] {
					return true
				}
			}
		}
	}
	return false
}

// appliedAt reports whether the use of a middleware function at cur (an
// identifier) applies it: see appliedHTTPLimit.
func appliedAt(info *types.Info, handler *types.Interface, cur inspector.Cursor) bool {
	e := cur
	if sel, ok := e.Parent().Node().(*ast.SelectorExpr); ok && sel.Sel == e.Node() {
		e = e.Parent() // s.limit
	}
	e = unparen(e)
	call, ok := e.Parent().Node().(*ast.CallExpr)
	if !ok || call.Fun != e.Node() {
		return isUseArg(e) // a value: r.Use(limit)
	}
	// A call: limit(mux), or a factory limit(n) whose result wraps a
	// handler, limit(n)(mux), or is given to Use.
	for range 2 {
		if wrapsHandler(info, handler, call) {
			return true
		}
		c := unparen(e.Parent())
		if isUseArg(c) {
			return true
		}
		outer, ok := c.Parent().Node().(*ast.CallExpr)
		if !ok || outer.Fun != c.Node() {
			return false
		}
		e, call = c, outer
	}
	return false
}

// unparen moves cur up through the parentheses around its node.
func unparen(cur inspector.Cursor) inspector.Cursor {
	for {
		if _, ok := cur.Parent().Node().(*ast.ParenExpr); !ok {
			return cur
		}
		cur = cur.Parent()
	}
}

// isUseArg reports whether the expression at cur is an argument of a Use
// or With call, or of a call that is one (an adapter: r.Use(wrap(limit))).
func isUseArg(cur inspector.Cursor) bool {
	for range 2 {
		if cur.ParentEdgeKind() != edge.CallExpr_Args {
			return false
		}
		call := cur.Parent()
		if useNames[calledName(call.Node().(*ast.CallExpr))] {
			return true
		}
		cur = unparen(call)
	}
	return false
}

// calledName is the name a call is made by: Use in r.Use(...), f in f(...).
func calledName(call *ast.CallExpr) string {
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.SelectorExpr:
		return fun.Sel.Name
	case *ast.Ident:
		return fun.Name
	}
	return ""
}

// wrapsHandler reports whether call is given a handler: a value that
// implements http.Handler (a mux, a *gin.Engine, an http.HandlerFunc) or a
// function with a handler's parameters.
func wrapsHandler(info *types.Info, handler *types.Interface, call *ast.CallExpr) bool {
	for _, a := range call.Args {
		t := info.TypeOf(a)
		if t == nil {
			continue
		}
		if _, basic := t.Underlying().(*types.Basic); basic {
			continue // untyped nil, numbers, strings
		}
		if handler != nil && types.Implements(t, handler) {
			return true
		}
		if sig, ok := t.Underlying().(*types.Signature); ok && sig.Params().Len() == 2 &&
			gintypes.IsNamed(sig.Params().At(0).Type(), gintypes.HTTPPath, "ResponseWriter") &&
			gintypes.IsPointerTo(sig.Params().At(1).Type(), gintypes.HTTPPath, "Request") {
			return true
		}
	}
	return false
}

// handlerIface returns net/http's Handler interface as pkg sees it, or nil
// when pkg does not import net/http.
func handlerIface(pkg *types.Package) *types.Interface {
	for _, imp := range pkg.Imports() {
		if imp.Path() != gintypes.HTTPPath {
			continue
		}
		if tn, ok := imp.Scope().Lookup("Handler").(*types.TypeName); ok {
			iface, _ := tn.Type().Underlying().(*types.Interface)
			return iface
		}
	}
	return nil
}

// recvTypeName returns the named type a method is declared on.
func recvTypeName(fn *types.Func) *types.TypeName {
	recv := fn.Signature().Recv()
	if recv == nil {
		return nil
	}
	return namedOf(recv.Type())
}

// namedOf returns the type name of T or *T, or nil.
func namedOf(t types.Type) *types.TypeName {
	if t == nil {
		return nil
	}
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := types.Unalias(t).(*types.Named); ok {
		return n.Origin().Obj()
	}
	return nil
}
