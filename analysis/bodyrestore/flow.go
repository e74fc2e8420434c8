package bodyrestore

import (
	"go/ast"
	"go/token"
	"go/types"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"golang.org/x/tools/go/ast/inspector"
)

// blocked reports whether control cannot flow from the read at cur to the
// pass-on at pos: some block around the read that does not hold the pass-on
// returns (or panics) after the read, or the two sit in different branches
// of one if or switch. It is a syntactic approximation; loops are ignored.
func blocked(cur inspector.Cursor, pos token.Pos) bool {
	child := cur
	for p := cur.Parent(); p.Valid() && p.Node() != nil; child, p = p, p.Parent() {
		n := p.Node()
		switch n.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return false
		}
		if posIn(pos, n) {
			return differentBranches(n, child.Node(), pos)
		}
		if list := stmtList(n); list != nil && terminatesAfter(list, child.Node()) {
			return true
		}
	}
	return false
}

// differentBranches reports whether, in the common ancestor n, the read
// (inside child) and the pass-on at pos are in exclusive branches.
func differentBranches(n, child ast.Node, pos token.Pos) bool {
	switch n := n.(type) {
	case *ast.IfStmt:
		inBody := child == n.Body
		inElse := n.Else != nil && child == n.Else
		return (inBody && n.Else != nil && posIn(pos, n.Else)) || (inElse && posIn(pos, n.Body))
	case *ast.BlockStmt:
		// The body of a switch or select: the read and the pass-on are in
		// different clauses (fallthrough is ignored).
		switch child.(type) {
		case *ast.CaseClause, *ast.CommClause:
			return !posIn(pos, child)
		}
	}
	return false
}

// stmtList returns the statements of a block-like node, else nil.
func stmtList(n ast.Node) []ast.Stmt {
	switch n := n.(type) {
	case *ast.BlockStmt:
		return n.List
	case *ast.CaseClause:
		return n.Body
	case *ast.CommClause:
		return n.Body
	}
	return nil
}

// terminatesAfter reports whether a statement of list after child returns
// or panics.
func terminatesAfter(list []ast.Stmt, child ast.Node) bool {
	for _, s := range list {
		if s.Pos() < child.End() {
			continue
		}
		switch s := s.(type) {
		case *ast.ReturnStmt:
			return true
		case *ast.ExprStmt:
			if call, ok := s.X.(*ast.CallExpr); ok {
				if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok && id.Name == "panic" {
					return true
				}
			}
		}
	}
	return false
}

// restoredBetween reports whether body assigns a request body between the
// read and the pass-on at pos: an assignment that ends after the read
// starts and begins before pos, directly, in a closure, or in a
// same-package helper called there. Deferred and go'd calls run too late.
func (c *checker) restoredBetween(body *ast.BlockStmt, read *ast.CallExpr, pos token.Pos) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if found || n == nil || n.End() <= read.Pos() || n.Pos() >= pos {
			return false
		}
		switch n := n.(type) {
		case *ast.DeferStmt, *ast.GoStmt:
			return false
		case *ast.AssignStmt:
			if n.End() >= read.End() && c.assignsBody(n) {
				found = true
			}
		case *ast.CallExpr:
			if n.Pos() >= read.End() && c.callRestores(n) {
				found = true
			}
		}
		return !found
	})
	return found
}

// assignsBody reports whether the assignment gives a request a new body:
// r.Body = ..., or a whole new request assigned to an existing variable or
// field (but not r.WithContext(...) or r.Clone(...), which share the body;
// any other request variable is assumed to carry a new body).
func (c *checker) assignsBody(a *ast.AssignStmt) bool {
	info := c.pass.TypesInfo
	for i, lhs := range a.Lhs {
		if gintypes.IsRequestBody(info, lhs) {
			return true
		}
		if a.Tok != token.ASSIGN || !gintypes.IsRequest(info.TypeOf(lhs)) {
			continue
		}
		if len(a.Rhs) != len(a.Lhs) || !gintypes.SharesBody(info, a.Rhs[i]) {
			return true
		}
	}
	return false
}

// callRestores reports whether call is a same-package function or method
// that is passed a context or request and assigns a request body.
func (c *checker) callRestores(call *ast.CallExpr) bool {
	info := c.pass.TypesInfo
	passed := false
	for _, a := range call.Args {
		if t := info.TypeOf(a); gintypes.IsGinContext(t) || gintypes.IsRequest(t) {
			passed = true
			break
		}
	}
	if !passed {
		return false
	}
	fn := gintypes.Callee(info, call)
	if fn == nil || fn.Pkg() != c.pass.Pkg {
		return false
	}
	return c.helperRestores(fn.Origin())
}

// helperRestores reports whether the body of the same-package function fn
// assigns a request body, directly or through further such helpers.
func (c *checker) helperRestores(fn *types.Func) bool {
	if done, ok := c.restores[fn]; ok {
		return done
	}
	c.restores[fn] = false // cuts recursion
	decl := c.declOf(fn)
	if decl == nil || decl.Body == nil {
		return false
	}
	found := false
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			found = found || c.assignsBody(n)
		case *ast.CallExpr:
			found = found || c.callRestores(n)
		}
		return !found
	})
	c.restores[fn] = found
	return found
}

// declOf returns the declaration of a function of the package being
// analysed, indexing the package's top-level functions on first use.
func (c *checker) declOf(fn *types.Func) *ast.FuncDecl {
	if c.decls == nil {
		c.decls = make(map[*types.Func]*ast.FuncDecl)
		for _, f := range c.pass.Files {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok {
					if obj, ok := c.pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
						c.decls[obj] = fd
					}
				}
			}
		}
	}
	return c.decls[fn]
}
