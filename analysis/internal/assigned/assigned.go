// Package assigned tells whether a struct literal that lacks a field gets
// it by a later assignment to the variable or field it was stored in:
//
//	srv := &http.Server{Addr: addr}
//	srv.ReadHeaderTimeout = 5 * time.Second
//
// An analyzer feeds a Tracker every assignment and value spec of the
// package, then asks about each literal it would report.
package assigned

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"github.com/ginleak/ginleak/analysis/gintypes"
)

// Tracker records which variable or field each literal of interest is
// stored in, and where the tracked fields of variables and fields are
// assigned.
type Tracker struct {
	info    *types.Info
	isLit   func(*ast.CompositeLit) bool
	pkgPath string   // the package declaring the tracked fields
	fields  []string // the tracked fields

	boundTo  map[*ast.CompositeLit]target
	assigned map[target][]token.Pos
}

// target names what a literal was stored in: a variable, or a field path
// below one (s.srv).
type target struct {
	root types.Object
	path string
}

// New returns a Tracker of the literals isLit accepts and of assignments to
// the fields named fields of a struct declared in the package pkgPath.
func New(info *types.Info, isLit func(*ast.CompositeLit) bool, pkgPath string, fields ...string) *Tracker {
	return &Tracker{
		info:     info,
		isLit:    isLit,
		pkgPath:  pkgPath,
		fields:   fields,
		boundTo:  make(map[*ast.CompositeLit]target),
		assigned: make(map[target][]token.Pos),
	}
}

// Assign records as: the literals it stores (x = T{...} or x = &T{...}) and
// its assignments to a tracked field (x.Timeout = ...).
func (t *Tracker) Assign(as *ast.AssignStmt) {
	if len(as.Lhs) == len(as.Rhs) {
		for i := range as.Lhs {
			t.bind(as.Lhs[i], as.Rhs[i])
		}
	}
	for _, lhs := range as.Lhs {
		if x := t.fieldOperand(lhs); x != nil {
			if tg, ok := t.targetOf(x); ok {
				t.assigned[tg] = append(t.assigned[tg], as.Pos())
			}
		}
	}
}

// ValueSpec records the literals vs gives its variables (var x = T{...}).
func (t *Tracker) ValueSpec(vs *ast.ValueSpec) {
	if len(vs.Names) == len(vs.Values) {
		for i := range vs.Names {
			t.bind(vs.Names[i], vs.Values[i])
		}
	}
}

// SetInLiteral reports whether lit sets a tracked field itself. A literal
// with unkeyed elements (only possible inside the declaring package) is
// given the benefit of the doubt.
func (t *Tracker) SetInLiteral(lit *ast.CompositeLit) bool {
	for _, elt := range lit.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			return true
		}
		if id, ok := kv.Key.(*ast.Ident); ok && slices.Contains(t.fields, id.Name) {
			return true
		}
	}
	return false
}

// SetLater reports whether lit was stored in a variable or field whose
// tracked field is assigned after lit. A package-level variable may be
// assigned anywhere in the package (an init function, main), so any such
// assignment counts.
func (t *Tracker) SetLater(lit *ast.CompositeLit) bool {
	tg, ok := t.boundTo[lit]
	if !ok {
		return false
	}
	positions := t.assigned[tg]
	if v, ok := tg.root.(*types.Var); ok && gintypes.IsPackageLevel(v) {
		return len(positions) > 0
	}
	for _, p := range positions {
		if p > lit.Pos() {
			return true
		}
	}
	return false
}

// bind remembers what variable or field a literal of interest (or its
// address) is stored in.
func (t *Tracker) bind(lhs, rhs ast.Expr) {
	e := ast.Unparen(rhs)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	lit, ok := e.(*ast.CompositeLit)
	if !ok || !t.isLit(lit) {
		return
	}
	if tg, ok := t.targetOf(lhs); ok {
		t.boundTo[lit] = tg
	}
}

// fieldOperand returns x if lhs is x.F for a tracked field F.
func (t *Tracker) fieldOperand(lhs ast.Expr) ast.Expr {
	sel, ok := ast.Unparen(lhs).(*ast.SelectorExpr)
	if !ok || !slices.Contains(t.fields, sel.Sel.Name) {
		return nil
	}
	v, ok := t.info.Uses[sel.Sel].(*types.Var)
	if !ok || !v.IsField() || v.Pkg() == nil || v.Pkg().Path() != t.pkgPath {
		return nil
	}
	return sel.X
}

// targetOf names the variable or field path e denotes: srv, s.srv,
// pkg.Srv, *p.
func (t *Tracker) targetOf(e ast.Expr) (target, bool) {
	var path []string
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.Ident:
			obj := t.info.ObjectOf(x)
			if obj == nil {
				return target{}, false
			}
			slices.Reverse(path)
			return target{obj, strings.Join(path, ".")}, true
		case *ast.SelectorExpr:
			if id, ok := ast.Unparen(x.X).(*ast.Ident); ok {
				if _, ok := t.info.ObjectOf(id).(*types.PkgName); ok {
					e = x.Sel // a qualified package-level variable
					continue
				}
			}
			path = append(path, x.Sel.Name)
			e = x.X
		case *ast.StarExpr:
			e = x.X // *p = T{...}; p.F = ...
		default:
			return target{}, false
		}
	}
}
