// Package fixutil holds what more than one analyzer's suggested fixes
// need: reading the source a fix edits, finding where a statement can go
// and with what indentation, adding a field to a composite literal, and
// referring to a package, importing it if the file does not.
package fixutil

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// AddField returns the edit that adds field (a "Key: value" element) to
// lit, keeping gofmt's layout: a line of its own before the closing brace
// of a multi-line literal, otherwise after the last element.
func AddField(tf *token.File, lit *ast.CompositeLit, field string) analysis.TextEdit {
	last := lit.Lbrace
	if n := len(lit.Elts); n > 0 {
		last = lit.Elts[n-1].End()
	}
	switch {
	case tf.Line(last) != tf.Line(lit.Rbrace):
		// Indented one tab more than the brace (gofmt indents with tabs).
		start := tf.LineStart(tf.Line(lit.Rbrace))
		indent := strings.Repeat("\t", max(tf.Position(lit.Rbrace).Column-1, 0)+1)
		return insert(start, indent+field+",\n")
	case len(lit.Elts) > 0:
		return insert(last, ", "+field)
	default:
		return insert(lit.Rbrace, field)
	}
}

// Qualifier returns how file refers to the standard library package path
// at pos ("time.", "stdtime." or "" for a dot import, in which case member
// must resolve to the package's member of that name) and the edits that
// import it if the file does not. ok is false if the package cannot be
// referred to there: its default name is taken, or its import is shadowed.
func Qualifier(pkg *types.Package, file *ast.File, pos token.Pos, path, member string) (qual string, edits []analysis.TextEdit, ok bool) {
	if pkg == nil || file == nil {
		return "", nil, false
	}
	scope := pkg.Scope().Innermost(pos)
	if scope == nil {
		return "", nil, false
	}
	if firstImport(file, path) == "." {
		if _, obj := scope.LookupParent(member, pos); isMember(obj, path, member) {
			return "", nil, true
		}
		return "", nil, false
	}
	name, add, ok := ImportName(pkg, file, pos, path)
	switch {
	case !ok:
		return "", nil, false
	case add:
		return name + ".", AddImport(file, path), true
	}
	return name + ".", nil, true
}

func isMember(obj types.Object, path, name string) bool {
	return obj != nil && obj.Pkg() != nil && obj.Pkg().Path() == path && obj.Name() == name
}

func insert(pos token.Pos, text string) analysis.TextEdit {
	return analysis.TextEdit{Pos: pos, End: pos, NewText: []byte(text)}
}
