package bgcontext

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/ginleak/ginleak/analysis/internal/fixutil"
)

// fix replaces the Background()/TODO() call with the handler's request
// context. It also drops the "context" import when the call was the file's
// only use of it, so the fixed file compiles. It returns nil when the
// request parameter is unnamed or shadowed at the call.
func (c *checker) fix(fd finding) []analysis.SuggestedFix {
	expr := requestContext(fd.h)
	if expr == "" {
		return nil
	}
	pos := fd.bg.Pos()
	scope := c.pass.Pkg.Scope().Innermost(pos)
	if scope == nil {
		return nil
	}
	if _, obj := scope.LookupParent(fd.h.param.Name(), pos); obj != fd.h.param {
		return nil
	}
	edits := []analysis.TextEdit{{Pos: pos, End: fd.bg.End(), NewText: []byte(expr)}}
	edits = append(edits, c.dropImport(fd)...)
	return []analysis.SuggestedFix{{Message: "Pass " + expr, TextEdits: edits}}
}

// dropImport returns the edit that deletes the import the call's package
// qualifier refers to, if the call is that import's only use in the file.
// Drivers that run goimports-like cleanup do this anyway; ginleak vet -fix
// only gofmts.
func (c *checker) dropImport(fd finding) []analysis.TextEdit {
	sel, ok := ast.Unparen(fd.bg.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	x, ok := sel.X.(*ast.Ident)
	if !ok {
		return nil
	}
	pn, ok := c.info.Uses[x].(*types.PkgName)
	if !ok || c.uses(fd.file)[pn] != 1 {
		return nil
	}
	for _, decl := range fd.file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		for _, spec := range gd.Specs {
			is, ok := spec.(*ast.ImportSpec)
			if !ok || c.importName(is) != pn {
				continue
			}
			if len(gd.Specs) == 1 {
				return c.deleteLines(gd.Pos(), gd.End())
			}
			end := is.End()
			if is.Comment != nil {
				end = is.Comment.End()
			}
			start := is.Pos()
			if is.Doc != nil {
				start = is.Doc.Pos()
			}
			return c.deleteLines(start, end)
		}
	}
	return nil
}

func (c *checker) importName(is *ast.ImportSpec) *types.PkgName {
	var obj types.Object
	if is.Name != nil {
		obj = c.info.Defs[is.Name]
	} else {
		obj = c.info.Implicits[is]
	}
	pn, _ := obj.(*types.PkgName)
	return pn
}

// uses counts, once per file, how often each imported package name is
// used in it.
func (c *checker) uses(f *ast.File) map[*types.PkgName]int {
	if m, ok := c.pkgUses[f]; ok {
		return m
	}
	m := make(map[*types.PkgName]int)
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			if pn, ok := c.info.Uses[id].(*types.PkgName); ok {
				m[pn]++
			}
		}
		return true
	})
	c.pkgUses[f] = m
	return m
}

// deleteLines returns the edit that deletes the whole lines holding
// [start, end), or nil if anything else shares those lines.
func (c *checker) deleteLines(start, end token.Pos) []analysis.TextEdit {
	tf, src, ok := fixutil.Source(c.pass, start)
	if !ok || c.pass.Fset.File(end) != tf {
		return nil
	}
	from := tf.LineStart(tf.Line(start))
	to := token.Pos(tf.Base() + tf.Size())
	if l := tf.Line(end); l < tf.LineCount() {
		to = tf.LineStart(l + 1)
	}
	before := src[tf.Offset(from):tf.Offset(start)]
	after := src[tf.Offset(end):tf.Offset(to)]
	if strings.TrimSpace(string(before)) != "" || strings.TrimSpace(string(after)) != "" {
		return nil
	}
	return []analysis.TextEdit{{Pos: from, End: to}}
}
