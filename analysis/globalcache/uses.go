package globalcache

import (
	"go/ast"
	"go/token"
	"go/types"

	"github.com/ginleak/ginleak/analysis/gintypes"
)

// structUse handles a mention of a package-level struct variable: a
// selection of a map, slice or sync.Map field is a use of that field;
// anything that may reset the struct through an alias clears all of them.
func (w *walker) structUse(root *types.Var, stack []ast.Node) {
	i := len(stack) - 1
	p, child, pi := up(stack, i)
	if sel, ok := p.(*ast.SelectorExpr); ok && sel.X == child {
		s := w.info.Selections[sel]
		if s == nil {
			return
		}
		switch obj := s.Obj().(type) {
		case *types.Var:
			if k := kindOf(obj.Type()); k != kindNone && k != kindStruct && s.Kind() == types.FieldVal {
				w.use(target{root: root, field: obj}, k, stack, pi)
			}
		case *types.Func:
			if obj.Pkg() == w.pass.Pkg {
				w.cleared[root] = true
			}
		}
		return
	}
	if u, _ := w.classify(target{root: root}, stack, i); u == useRemove || u == useEscape {
		w.cleared[root] = true
	}
}

func (w *walker) use(t target, k kind, stack []ast.Node, i int) {
	u, at := w.classify(t, stack, i)
	if u == useRead {
		return
	}
	ti := w.targets[t]
	if ti == nil {
		ti = &targetInfo{kind: k}
		w.targets[t] = ti
	}
	switch u {
	case useRemove, useEscape:
		ti.removed = true
	case useWrite:
		if unit := w.unitHere(); unit >= 0 {
			ti.writes = append(ti.writes, site{pos: at.Pos(), unit: unit, locked: w.locked()})
		}
	}
}

// useKind is what one mention of a target does to it.
type useKind int

const (
	useRead   useKind = iota
	useWrite          // adds to it
	useRemove         // removes from it or resets it
	useEscape         // hands it to code that may remove from it
)

// up returns the parent of stack[i], looking through parentheses, the
// child as the parent sees it, and the parent's index.
func up(stack []ast.Node, i int) (parent, child ast.Node, pi int) {
	for i > 0 {
		if _, ok := stack[i-1].(*ast.ParenExpr); !ok {
			break
		}
		i--
	}
	if i == 0 {
		return nil, stack[0], -1
	}
	return stack[i-1], stack[i], i - 1
}

// classify says what the mention stack[i] of t does to it, and the
// expression that does it (t, or an index expression into it).
func (w *walker) classify(t target, stack []ast.Node, i int) (useKind, ast.Node) {
	top := stack[i]
	depth := 0
	p, child, pi := up(stack, i)
	// m[a][b] writes the map inside m: walk up through the index expressions.
	for {
		ix, ok := p.(*ast.IndexExpr)
		if !ok || ix.X != child {
			break
		}
		top, depth = ix, depth+1
		p, child, pi = up(stack, pi)
	}
	var ix *ast.IndexExpr
	if depth > 0 {
		ix = top.(*ast.IndexExpr)
	}
	switch p := p.(type) {
	case *ast.AssignStmt:
		for j, lhs := range p.Lhs {
			if lhs != child {
				continue
			}
			var rhs ast.Expr
			if p.Tok == token.ASSIGN && len(p.Lhs) == len(p.Rhs) {
				rhs = p.Rhs[j]
			}
			if depth > 0 {
				if w.growsMap(ix, rhs) {
					return useWrite, top
				}
				return useRead, nil
			}
			if rhs != nil && w.appendsTo(rhs, t) {
				return useWrite, top
			}
			if p.Tok != token.ASSIGN && p.Tok != token.DEFINE {
				return useRead, nil
			}
			if w.initialises(t, stack) {
				if t.field != nil || gintypes.IsPackageLevel(t.root) || w.isFresh(rhs) {
					return useRead, nil // initialisation, not a reset
				}
				return useEscape, nil // m = s.cache: shared with its owner
			}
			return useRemove, nil
		}
		if depth == 0 {
			return useEscape, nil // an alias: x := m
		}
	case *ast.IncDecStmt:
		if depth > 0 && w.growsMap(ix, nil) {
			return useWrite, top
		}
	case *ast.RangeStmt:
		if depth > 0 && p.Tok == token.ASSIGN && (child == p.Key || child == p.Value) && w.growsMap(ix, nil) {
			return useWrite, top
		}
	case *ast.CallExpr:
		return w.classifyArg(p, child, depth, top)
	case *ast.SelectorExpr:
		if p.X == child && depth == 0 {
			return w.classifyMethod(p, stack, pi)
		}
	case *ast.UnaryExpr:
		if p.Op == token.AND && depth == 0 {
			return useEscape, nil
		}
	case *ast.ReturnStmt:
		if depth == 0 {
			return useEscape, nil // a getter: its callers may trim it
		}
	case *ast.ValueSpec:
		if depth == 0 {
			for _, v := range p.Values {
				if v == child {
					return useEscape, nil
				}
			}
		}
	}
	return useRead, nil
}

// classifyArg classifies a target (or an index into it) used as an
// argument of call.
func (w *walker) classifyArg(call *ast.CallExpr, child ast.Node, depth int, top ast.Node) (useKind, ast.Node) {
	if call.Fun == child || len(call.Args) == 0 {
		return useRead, nil
	}
	first := call.Args[0] == child
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := w.info.Uses[id].(*types.Builtin); ok {
			if first && (b.Name() == "delete" || b.Name() == "clear") {
				return useRemove, nil
			}
			return useRead, nil
		}
	}
	if tv, ok := w.info.Types[call.Fun]; ok && tv.IsType() {
		if depth == 0 {
			return useEscape, nil // a conversion is an alias
		}
		return useRead, nil
	}
	fn := gintypes.Callee(w.info, call)
	switch {
	case fn == nil:
		if depth == 0 {
			return useEscape, nil // a function value may do anything
		}
	case first && gintypes.IsFunc(fn, "maps", "DeleteFunc"):
		return useRemove, nil
	case first && gintypes.IsFunc(fn, "maps", "Copy", "Insert"):
		return useWrite, top
	case fn.Pkg() == w.pass.Pkg && depth == 0:
		return useEscape, nil
	}
	return useRead, nil
}

// classifyMethod classifies a method selected on a target.
func (w *walker) classifyMethod(sel *ast.SelectorExpr, stack []ast.Node, si int) (useKind, ast.Node) {
	s := w.info.Selections[sel]
	if s == nil {
		return useRead, nil
	}
	fn, ok := s.Obj().(*types.Func)
	if !ok {
		return useRead, nil
	}
	switch {
	case gintypes.IsMethod(fn, isSyncMap, "Store", "LoadOrStore", "Swap"):
		if p, child, _ := up(stack, si); p != nil {
			if call, ok := p.(*ast.CallExpr); ok && call.Fun == child {
				return useWrite, sel
			}
		}
	case gintypes.IsMethod(fn, isSyncMap, "Delete", "LoadAndDelete", "CompareAndDelete", "Clear"):
		return useRemove, nil
	case fn.Pkg() == w.pass.Pkg:
		return useEscape, nil // a method of a named map or slice type
	}
	return useRead, nil
}

// growsMap reports whether assigning rhs (nil for ++, op= and unknown) to
// ix adds to a map: ix indexes a map and the key is not bounded, or the
// value itself grows (m["log"] = append(m["log"], x)).
func (w *walker) growsMap(ix *ast.IndexExpr, rhs ast.Expr) bool {
	t := w.info.TypeOf(ix.X)
	if t == nil {
		return false
	}
	m, ok := t.Underlying().(*types.Map)
	if !ok {
		return false // a slice or array element: overwritten in place
	}
	if rhs != nil && isAppend(w.info, rhs) {
		return true
	}
	if tv, ok := w.info.Types[ix.Index]; ok && tv.Value != nil {
		return false // a constant key: one entry at most
	}
	if b, ok := m.Key().Underlying().(*types.Basic); ok && b.Kind() == types.Bool {
		return false
	}
	return true
}

func isAppend(info *types.Info, e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := info.Uses[id].(*types.Builtin)
	return ok && b.Name() == "append"
}

// appendsTo reports whether e is append(t, ...): t grows. append(t[:0],
// ...) and friends reslice it instead.
func (w *walker) appendsTo(e ast.Expr, t target) bool {
	if !isAppend(w.info, e) {
		return false
	}
	call := ast.Unparen(e).(*ast.CallExpr)
	return len(call.Args) > 0 && w.is(call.Args[0], t)
}

// is reports whether e denotes t itself.
func (w *walker) is(e ast.Expr, t target) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return t.field == nil && w.info.Uses[e] == types.Object(t.root)
	case *ast.SelectorExpr:
		id, ok := ast.Unparen(e.X).(*ast.Ident)
		return ok && t.field != nil && w.info.Uses[id] == types.Object(t.root) &&
			w.info.Uses[e.Sel] == types.Object(t.field)
	}
	return false
}

// startup reports whether the statement at the top of stack runs once at
// start-up: directly in init, or in package main's main outside loops and
// function literals.
func (w *walker) startup(stack []ast.Node) bool {
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.ForStmt, *ast.RangeStmt, *ast.FuncLit:
			return false
		case *ast.FuncDecl:
			if n.Recv != nil {
				return false
			}
			return n.Name.Name == "init" || (n.Name.Name == "main" && w.pass.Pkg.Name() == "main")
		}
	}
	return false
}

// initialises reports whether the assignment at the top of stack sets t up
// rather than resets it. For a package-level variable, that is start-up
// code; for a local one, the straight-line body of the function declaring
// it (outside loops and function literals), which runs once, when the
// handlers capturing it are made.
func (w *walker) initialises(t target, stack []ast.Node) bool {
	if t.field != nil || gintypes.IsPackageLevel(t.root) {
		return w.startup(stack)
	}
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return false
		case *ast.FuncDecl, *ast.FuncLit:
			return within(n, t.root.Pos())
		}
	}
	return false
}
