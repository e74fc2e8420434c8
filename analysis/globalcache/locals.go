package globalcache

import (
	"go/ast"
	"go/token"
	"go/types"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/internal/callfacts"
)

// local handles a mention, at the top of stack, of a local variable: a call
// through a function literal it holds, a use of a map, sync.Map or slice a
// handler literal may capture, or a handler stored in it being returned or
// registered.
func (w *walker) local(v *types.Var, stack []ast.Node) {
	l := w.localOf(v, stack)
	if l.fn {
		if _, ok := w.unitOf[v]; ok {
			w.edge(v, stack)
		}
	}
	switch l.kind {
	case kindMap, kindSlice, kindSyncMap:
		w.use(target{root: v}, l.kind, stack, len(stack)-1)
	case kindHandler:
		if to, ok := w.keptExpr(stack, len(stack)-1); ok {
			if to == nil {
				w.kept[v] = true
			} else if to != v {
				w.flows[v] = append(w.flows[v], to)
			}
		}
	}
}

// def records whether a local map, sync.Map or slice defined at the top of
// stack starts out fresh. One that starts as a copy of another (m :=
// s.cache, a parameter, a range or type switch variable) shares it with
// code that may trim it.
func (w *walker) def(id *ast.Ident, stack []ast.Node) {
	if len(stack) < 2 {
		return
	}
	p := stack[len(stack)-2]
	switch p.(type) {
	case *ast.ValueSpec, *ast.AssignStmt:
	default:
		return // not a variable definition that can be fresh
	}
	v, ok := w.info.Defs[id].(*types.Var)
	if !ok || v.IsField() || gintypes.IsPackageLevel(v) {
		return
	}
	switch kindOf(v.Type()) {
	case kindMap, kindSlice, kindSyncMap:
	default:
		return
	}
	switch p := p.(type) {
	case *ast.ValueSpec:
		if len(p.Values) == 0 {
			w.fresh[v] = true
			return
		}
		if len(p.Values) == len(p.Names) {
			for j, name := range p.Names {
				if name == id {
					w.fresh[v] = w.isFresh(p.Values[j])
				}
			}
		}
	case *ast.AssignStmt:
		if p.Tok == token.DEFINE && len(p.Lhs) == len(p.Rhs) {
			for j, lhs := range p.Lhs {
				if lhs == ast.Expr(id) {
					w.fresh[v] = w.isFresh(p.Rhs[j])
				}
			}
		}
	}
}

// isFresh reports whether e makes a new map, sync.Map or slice no other
// variable holds.
func (w *walker) isFresh(e ast.Expr) bool {
	if e == nil {
		return false
	}
	e = ast.Unparen(e)
	if tv, ok := w.info.Types[e]; ok && tv.IsNil() {
		return true
	}
	switch e := e.(type) {
	case *ast.CompositeLit:
		return true
	case *ast.UnaryExpr:
		_, lit := ast.Unparen(e.X).(*ast.CompositeLit)
		return e.Op == token.AND && lit
	case *ast.CallExpr:
		if id, ok := ast.Unparen(e.Fun).(*ast.Ident); ok {
			if b, ok := w.info.Uses[id].(*types.Builtin); ok {
				switch b.Name() {
				case "make", "new":
					return true
				case "append":
					return len(e.Args) > 0 && w.isFresh(e.Args[0])
				}
				return false
			}
		}
		if tv, ok := w.info.Types[e.Fun]; ok && tv.IsType() {
			return len(e.Args) == 1 && w.isFresh(e.Args[0]) // a conversion
		}
		return gintypes.IsFunc(gintypes.Callee(w.info, e), "maps", "Clone") ||
			gintypes.IsFunc(gintypes.Callee(w.info, e), "slices", "Clone")
	}
	return false
}

// localOf classifies a local variable on its first mention. A map,
// sync.Map or slice is a target only if it started out fresh.
func (w *walker) localOf(v *types.Var, stack []ast.Node) local {
	if l, ok := w.locals[v]; ok {
		return l
	}
	l := local{kind: kindOf(v.Type())}
	_, l.fn = v.Type().Underlying().(*types.Signature)
	switch l.kind {
	case kindStruct:
		l.kind = kindNone
	case kindNone:
		if handlerValued(v.Type()) {
			l.kind = kindHandler
		}
	default:
		fn := declFunc(stack, v.Pos())
		if fn == nil || !w.fresh[v] {
			l.kind = kindNone
			break
		}
		l.owner = fn
		if fd, ok := fn.(*ast.FuncDecl); ok {
			l.name = callfacts.DeclName(fd)
		} else {
			l.name = "a func literal" + w.outerName()
		}
	}
	w.locals[v] = l
	return l
}

// handlerValued reports whether t holds a request handler: a gin or
// net/http handler func type, or http.Handler.
func handlerValued(t types.Type) bool {
	if t == nil {
		return false
	}
	if gintypes.IsNamed(t, gintypes.HTTPPath, "Handler") {
		return true
	}
	sig, ok := t.Underlying().(*types.Signature)
	return ok && gintypes.KindOf(sig) != gintypes.NotHandler
}

// declFunc returns the innermost function on stack whose source contains
// pos: for a local variable's position, the function declaring it.
func declFunc(stack []ast.Node, pos token.Pos) ast.Node {
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			if n.Pos() <= pos && pos < n.End() {
				return n
			}
		}
	}
	return nil
}

// funcType returns the signature syntax of a FuncDecl (receiver included)
// or FuncLit.
func funcType(fn ast.Node) *ast.FuncType {
	switch fn := fn.(type) {
	case *ast.FuncDecl:
		return fn.Type
	case *ast.FuncLit:
		return fn.Type
	}
	return nil
}

// within reports whether pos lies in n's source.
func within(n ast.Node, pos token.Pos) bool {
	return n.Pos() <= pos && pos < n.End()
}

// keptExpr reports whether the handler at stack[i] (a literal or a local
// variable) outlives the function it is in: it is returned, registered
// (router methods, ServeMux, http.Handle, http.HandleFunc, http.Serve and
// friends), stored for later (in a package-level variable, a named result, a
// field — s.onHit = f, http.Server{Handler: f}, Hooks{OnHit: f} — or an
// element of a package-level or field map or slice), possibly after a
// conversion or a wrapper returning a handler (http.HandlerFunc(f),
// gin.WrapF(f), mw(f)). If it is stored in a local variable instead, to is
// that variable: it is kept if the variable is.
func (w *walker) keptExpr(stack []ast.Node, i int) (to *types.Var, kept bool) {
	for {
		p, child, pi := up(stack, i)
		switch p := p.(type) {
		case *ast.ReturnStmt:
			return nil, true
		case *ast.CallExpr:
			if p.Fun == child {
				return nil, false
			}
			if handlerValued(w.info.TypeOf(p)) {
				i = pi // a conversion or a wrapper: follow its result
				continue
			}
			return nil, registers(gintypes.Callee(w.info, p))
		case *ast.AssignStmt:
			if len(p.Lhs) == len(p.Rhs) && (p.Tok == token.ASSIGN || p.Tok == token.DEFINE) {
				for j, rhs := range p.Rhs {
					if rhs == child {
						return w.sink(p.Lhs[j], stack[:pi+1])
					}
				}
			}
		case *ast.ValueSpec:
			if len(p.Names) == len(p.Values) {
				for j, val := range p.Values {
					if val == child {
						return w.sink(p.Names[j], stack[:pi+1])
					}
				}
			}
		case *ast.KeyValueExpr:
			// A field of a struct literal: stored in a value made to be
			// kept (http.Server{Handler: f}, Hooks{OnHit: f}).
			if key, ok := p.Key.(*ast.Ident); ok && p.Value == child {
				if f, ok := w.info.Uses[key].(*types.Var); ok && f.IsField() {
					return nil, true
				}
			}
		}
		return nil, false
	}
}

// sink says where a handler assigned to lhs goes: a package-level variable,
// a field, an element of a package-level or field map or slice, or a named
// result keeps it; a local variable passes the question on.
func (w *walker) sink(lhs ast.Expr, stack []ast.Node) (*types.Var, bool) {
	if ix, ok := ast.Unparen(lhs).(*ast.IndexExpr); ok {
		return nil, w.longLived(ix.X) // routes[path] = f
	}
	if w.longLived(lhs) {
		return nil, true // s.onHit = f, or a package-level variable
	}
	v, ok := gintypes.ObjectOf(w.info, lhs).(*types.Var)
	if !ok {
		return nil, false
	}
	if fn := declFunc(stack, v.Pos()); fn != nil {
		if ft := funcType(fn); ft != nil && ft.Results != nil && within(ft.Results, v.Pos()) {
			return nil, true
		}
	}
	return v, true
}

// longLived reports whether e is a package-level variable or a field:
// storage that outlives the function writing to it, as far as this rule
// can tell (a field of a short-lived local value is counted too).
func (w *walker) longLived(e ast.Expr) bool {
	v, ok := gintypes.ObjectOf(w.info, e).(*types.Var)
	return ok && (v.IsField() || gintypes.IsPackageLevel(v))
}

// registers reports whether fn keeps the handlers passed to it for the life
// of the server: a method of a gin router or an http.ServeMux, or
// http.Handle, HandleFunc, ListenAndServe(TLS) or Serve(TLS).
func registers(fn *types.Func) bool {
	if fn == nil {
		return false
	}
	sig, ok := fn.Type().(*types.Signature)
	if !ok {
		return false
	}
	if recv := sig.Recv(); recv != nil {
		t := recv.Type()
		if p, ok := types.Unalias(t).(*types.Pointer); ok {
			t = p.Elem()
		}
		return gintypes.IsNamed(t, gintypes.GinPath, "Engine") || gintypes.IsNamed(t, gintypes.GinPath, "RouterGroup") ||
			gintypes.IsGinRouter(t) || gintypes.IsNamed(t, gintypes.HTTPPath, "ServeMux")
	}
	return gintypes.IsFunc(fn, gintypes.HTTPPath, "Handle", "HandleFunc", "ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS")
}
