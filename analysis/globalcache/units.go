package globalcache

import (
	"go/ast"
	"go/types"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/internal/callfacts"
)

func (w *walker) pushDecl(fd *ast.FuncDecl) {
	u := len(w.units)
	w.units = append(w.units, unit{
		name:    callfacts.DeclName(fd),
		handler: gintypes.KindOf(gintypes.FuncSignature(w.info, fd)) != gintypes.NotHandler,
		pos:     fd.Pos(),
		end:     fd.End(),
	})
	if obj, ok := w.info.Defs[fd.Name].(*types.Func); ok {
		w.unitOf[obj] = u
	}
	w.frames = append(w.frames, frame{unit: u, stopLock: true})
}

func (w *walker) pushLit(lit *ast.FuncLit, stack []ast.Node) {
	fr := frame{unit: -1}
	handler := gintypes.KindOf(gintypes.FuncSignature(w.info, lit)) != gintypes.NotHandler
	var v *types.Var
	if len(w.frames) == 0 {
		v = w.litVar(lit, stack)
		fr.stopLock = true
	} else if !handler {
		v = w.localLitVar(lit, stack)
	}
	if handler || v != nil {
		fr.unit = len(w.units)
		fr.stopLock = true
		u := unit{handler: handler, pos: lit.Pos(), end: lit.End()}
		if v != nil {
			w.unitOf[v] = fr.unit
			u.name = v.Name()
		} else {
			u.name = "func literal" + w.outerName()
		}
		if handler && len(w.frames) > 0 {
			// A handler literal inside a function may capture its locals.
			u.lit = true
			via, kept := w.keptExpr(stack, len(stack)-1)
			u.kept, u.via = kept && via == nil, via
		}
		w.units = append(w.units, u)
	}
	if isGoLaunched(lit, stack) {
		fr.stopLock = true
	}
	fr.once = !handler && w.runOnce(lit, stack)
	w.frames = append(w.frames, fr)
}

// litVar returns the package-level variable a package-level function
// literal initialises (var fetch = func(...) {...}), or nil.
func (w *walker) litVar(lit *ast.FuncLit, stack []ast.Node) *types.Var {
	if len(stack) < 2 {
		return nil
	}
	vs, ok := stack[len(stack)-2].(*ast.ValueSpec)
	if !ok || len(vs.Names) != len(vs.Values) {
		return nil
	}
	for i, val := range vs.Values {
		if val == ast.Expr(lit) {
			v, _ := w.info.Defs[vs.Names[i]].(*types.Var)
			return v
		}
	}
	return nil
}

// localLitVar returns the local variable a function literal is assigned
// to (add := func(...) {...}), so that calls through it can be followed, or
// nil. Only the first literal assigned to a variable is tracked.
func (w *walker) localLitVar(lit *ast.FuncLit, stack []ast.Node) *types.Var {
	if len(stack) < 2 {
		return nil
	}
	var lhs ast.Expr
	switch p := stack[len(stack)-2].(type) {
	case *ast.AssignStmt:
		if len(p.Lhs) == len(p.Rhs) {
			for j, rhs := range p.Rhs {
				if rhs == ast.Expr(lit) {
					lhs = p.Lhs[j]
				}
			}
		}
	case *ast.ValueSpec:
		if len(p.Names) == len(p.Values) {
			for j, val := range p.Values {
				if val == ast.Expr(lit) {
					lhs = p.Names[j]
				}
			}
		}
	}
	id, ok := lhs.(*ast.Ident)
	if !ok {
		return nil
	}
	v, ok := w.info.ObjectOf(id).(*types.Var)
	if !ok || v.IsField() || gintypes.IsPackageLevel(v) {
		return nil
	}
	if _, dup := w.unitOf[v]; dup {
		return nil
	}
	return v
}

// outerName names the declaration a function literal is written in.
func (w *walker) outerName() string {
	for _, fr := range w.frames {
		if fr.unit >= 0 {
			return " in " + w.units[fr.unit].name
		}
	}
	return ""
}

func isGoLaunched(lit *ast.FuncLit, stack []ast.Node) bool {
	if len(stack) < 3 {
		return false
	}
	call, ok := stack[len(stack)-2].(*ast.CallExpr)
	if !ok || call.Fun != ast.Expr(lit) {
		return false
	}
	_, ok = stack[len(stack)-3].(*ast.GoStmt)
	return ok
}

// isLockCall reports whether call locks a sync.Mutex, sync.RWMutex or
// sync.Locker (directly, embedded or as a field).
func isLockCall(info *types.Info, call *ast.CallExpr) bool {
	return gintypes.IsMethod(gintypes.Callee(info, call), isSyncLock, "Lock", "RLock", "TryLock", "TryRLock")
}

func isSyncLock(t types.Type) bool {
	return gintypes.IsNamed(t, "sync", "Mutex") || gintypes.IsNamed(t, "sync", "RWMutex") ||
		gintypes.IsNamed(t, "sync", "Locker")
}

func isSyncMap(t types.Type) bool { return gintypes.IsNamed(t, "sync", "Map") }

// runOnce reports whether lit is an argument of (*sync.Once).Do or of
// sync.OnceFunc, OnceValue or OnceValues.
func (w *walker) runOnce(lit *ast.FuncLit, stack []ast.Node) bool {
	if len(stack) < 2 {
		return false
	}
	call, ok := stack[len(stack)-2].(*ast.CallExpr)
	if !ok || call.Fun == ast.Expr(lit) {
		return false
	}
	fn := gintypes.Callee(w.info, call)
	return gintypes.IsMethod(fn, func(t types.Type) bool { return gintypes.IsNamed(t, "sync", "Once") }, "Do") ||
		gintypes.IsFunc(fn, "sync", "OnceFunc", "OnceValue", "OnceValues")
}

// unitHere is the unit the walk is in, or -1 during package initialisation
// and in code run once.
func (w *walker) unitHere() int {
	for i := len(w.frames) - 1; i >= 0; i-- {
		if w.frames[i].once {
			return -1
		}
		if w.frames[i].unit >= 0 {
			return w.frames[i].unit
		}
	}
	return -1
}

// locked reports whether a mutex has been locked earlier in the function
// being walked, or in an enclosing function whose lock the current function
// literal runs under.
func (w *walker) locked() bool {
	for i := len(w.frames) - 1; i >= 0; i-- {
		fr := w.frames[i]
		if fr.lockSeen {
			return true
		}
		if fr.stopLock {
			break
		}
	}
	return false
}

// edge records a reference, at the top of stack, to a function of the
// package. A function started with go does not run under the caller's lock.
func (w *walker) edge(to types.Object, stack []ast.Node) {
	if u := w.unitHere(); u >= 0 {
		locked := w.locked() && !goCall(stack)
		w.units[u].edges = append(w.units[u].edges, edge{to: to, locked: locked})
	}
}

// goCall reports whether the identifier at the top of stack is the function
// a go statement calls: go f(), go s.f().
func goCall(stack []ast.Node) bool {
	i := len(stack) - 1
	if i >= 1 {
		if sel, ok := stack[i-1].(*ast.SelectorExpr); ok && sel.Sel == stack[i] {
			i--
		}
	}
	if i < 2 {
		return false
	}
	call, ok := stack[i-1].(*ast.CallExpr)
	if !ok || call.Fun != stack[i] {
		return false
	}
	g, ok := stack[i-2].(*ast.GoStmt)
	return ok && g.Call == call
}

// strictlyIn reports whether the unit is written inside fn, fn itself
// excluded.
func (u unit) strictlyIn(fn ast.Node) bool { return fn.Pos() < u.pos && u.end <= fn.End() }

// resolveKept marks the local handler variables kept through copies:
// h := func(c *gin.Context) {...}; h2 := h; r.Use(h2).
func (w *walker) resolveKept() {
	for changed := true; changed; {
		changed = false
		for v, tos := range w.flows {
			if w.kept[v] {
				continue
			}
			for _, to := range tos {
				if w.kept[to] {
					w.kept[v], changed = true, true
					break
				}
			}
		}
	}
}

// keptLit reports whether unit u is a handler literal that outlives the
// function making it. Call after resolveKept.
func (w *walker) keptLit(u int) bool {
	un := w.units[u]
	return un.lit && (un.kept || un.via != nil && w.kept[un.via])
}
