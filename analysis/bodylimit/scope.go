package bodylimit

import (
	"go/ast"
	"go/types"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"golang.org/x/tools/go/ast/inspector"
)

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
