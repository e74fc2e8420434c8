package clienttimeout

import (
	"go/ast"
	"go/token"
	"go/types"

	"github.com/ginleak/ginleak/analysis/gintypes"
)

// A client made for long transfers (uploads to object storage, downloads)
// is right to have no overall Timeout: it would cut a large body short.
// Such a client is bounded at the connection instead, and the sign of that
// is a Transport that sets ResponseHeaderTimeout: a stuck upstream then
// fails the request after the headers' wait, and the body's own length is
// bounded by the request's context. This file recognises that Transport:
//
//	&http.Client{Transport: &http.Transport{ResponseHeaderTimeout: d}}
//	tr := &http.Transport{ResponseHeaderTimeout: d}     // or var tr = ...
//	tr := http.DefaultTransport.(*http.Transport).Clone()
//	tr.ResponseHeaderTimeout = d
//	&http.Client{Transport: tr}
//
// A variable is a local of one function (or a package-level variable), so
// "assigned in the same function" is the variable being the same object.

// headerField is the Transport field that bounds the wait for an upstream.
const headerField = "ResponseHeaderTimeout"

// assignTransport records the variables as makes header-bounded: tr =
// &http.Transport{ResponseHeaderTimeout: d}, tr.ResponseHeaderTimeout = d.
func (w *walker) assignTransport(as *ast.AssignStmt) {
	if len(as.Lhs) == len(as.Rhs) {
		for i, lhs := range as.Lhs {
			if v := w.variable(lhs); v != nil && w.boundedTransportLit(as.Rhs[i]) {
				w.bounded[v] = true
			}
		}
	}
	for _, lhs := range as.Lhs {
		sel, ok := ast.Unparen(lhs).(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != headerField || !w.isTransportField(sel.Sel) {
			continue
		}
		if v := w.variable(sel.X); v != nil {
			w.bounded[v] = true
		}
	}
}

// specTransport records var tr = &http.Transport{ResponseHeaderTimeout: d}.
func (w *walker) specTransport(vs *ast.ValueSpec) {
	if len(vs.Names) != len(vs.Values) {
		return
	}
	for i, name := range vs.Names {
		if v, ok := w.info.Defs[name].(*types.Var); ok && w.boundedTransportLit(vs.Values[i]) {
			w.bounded[v] = true
		}
	}
}

// variable returns the variable (not a field) e names, or nil.
func (w *walker) variable(e ast.Expr) *types.Var {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return nil
	}
	v, ok := w.info.ObjectOf(id).(*types.Var)
	if !ok || v.IsField() {
		return nil
	}
	return v
}

// headerBounded reports whether the client literal's Transport sets
// ResponseHeaderTimeout: a literal written in place, or a variable that is
// given one (see assignTransport).
func (w *walker) headerBounded(lit *ast.CompositeLit) bool {
	for _, elt := range lit.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if key, ok := kv.Key.(*ast.Ident); !ok || key.Name != "Transport" {
			continue
		}
		if w.boundedTransportLit(kv.Value) {
			return true
		}
		v := w.variable(kv.Value)
		return v != nil && w.bounded[v]
	}
	return false
}

// boundedTransportLit reports whether e is an http.Transport literal (or
// its address) that sets ResponseHeaderTimeout. Unkeyed elements, possible
// only in net/http itself, get the benefit of the doubt.
func (w *walker) boundedTransportLit(e ast.Expr) bool {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	lit, ok := e.(*ast.CompositeLit)
	if !ok || !gintypes.IsNamed(w.info.TypeOf(lit), gintypes.HTTPPath, "Transport") {
		return false
	}
	for _, elt := range lit.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			return true
		}
		if key, ok := kv.Key.(*ast.Ident); ok && key.Name == headerField {
			return true
		}
	}
	return false
}

// isTransportField reports whether id denotes http.Transport's field of
// that name (also when promoted through an embedding struct).
func (w *walker) isTransportField(id *ast.Ident) bool {
	v, ok := w.info.Uses[id].(*types.Var)
	return ok && v.IsField() && v.Pkg() != nil && v.Pkg().Path() == gintypes.HTTPPath
}
