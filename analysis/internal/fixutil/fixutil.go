// Package fixutil holds the text edits that more than one analyzer's
// suggested fixes need: adding a field to a composite literal and referring
// to a standard library package, importing it if the file does not.
package fixutil

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
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
	for _, spec := range file.Imports {
		if p, err := strconv.Unquote(spec.Path.Value); err != nil || p != path {
			continue
		}
		name := defaultName(path)
		if spec.Name != nil {
			name = spec.Name.Name
		}
		switch name {
		case "_":
			continue
		case ".":
			if _, obj := scope.LookupParent(member, pos); isMember(obj, path, member) {
				return "", nil, true
			}
			return "", nil, false
		}
		if _, obj := scope.LookupParent(name, pos); isPkg(obj, path) {
			return name + ".", nil, true
		}
		return "", nil, false
	}
	name := defaultName(path)
	if _, obj := scope.LookupParent(name, pos); obj != nil {
		return "", nil, false // a local or package-level name would clash
	}
	return name + ".", AddImport(file, path), true
}

func defaultName(path string) string { return path[strings.LastIndex(path, "/")+1:] }

func isPkg(obj types.Object, path string) bool {
	pn, ok := obj.(*types.PkgName)
	return ok && pn.Imported() != nil && pn.Imported().Path() == path
}

func isMember(obj types.Object, path, name string) bool {
	return obj != nil && obj.Pkg() != nil && obj.Pkg().Path() == path && obj.Name() == name
}

func insert(pos token.Pos, text string) analysis.TextEdit {
	return analysis.TextEdit{Pos: pos, End: pos, NewText: []byte(text)}
}

// AddImport returns the edits that import the standard library package
// path into file: into the standard library group of the first
// parenthesized import declaration, turning a lone import "x" into a block,
// or as a new declaration.
func AddImport(file *ast.File, path string) []analysis.TextEdit {
	spec := strconv.Quote(path)
	var lone *ast.GenDecl
	for _, decl := range file.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			break // imports come first
		}
		if !gd.Lparen.IsValid() {
			if lone == nil && len(gd.Specs) == 1 {
				lone = gd
			}
			continue
		}
		var before, after *ast.ImportSpec // std imports sorting around path
		for _, s := range gd.Specs {
			is, ok := s.(*ast.ImportSpec)
			if !ok || !isStd(is.Path.Value) {
				continue
			}
			if is.Path.Value < spec {
				before = is
			} else if after == nil {
				after = is
			}
		}
		switch {
		case before != nil:
			end := before.End()
			if before.Comment != nil {
				end = before.Comment.End()
			}
			return []analysis.TextEdit{insert(end, "\n\t"+spec)}
		case after != nil:
			pos := after.Pos()
			if after.Doc != nil {
				pos = after.Doc.Pos()
			}
			return []analysis.TextEdit{insert(pos, spec+"\n\t")}
		default:
			return []analysis.TextEdit{insert(gd.Lparen+1, "\n\t"+spec+"\n")}
		}
	}
	if lone != nil {
		if is, ok := lone.Specs[0].(*ast.ImportSpec); ok {
			switch {
			case !isStd(is.Path.Value):
				return []analysis.TextEdit{insert(is.Pos(), "(\n\t"+spec+"\n\n\t"), insert(is.End(), "\n)")}
			case is.Path.Value < spec:
				return []analysis.TextEdit{insert(is.Pos(), "(\n\t"), insert(is.End(), "\n\t"+spec+"\n)")}
			default:
				return []analysis.TextEdit{insert(is.Pos(), "(\n\t"+spec+"\n\t"), insert(is.End(), "\n)")}
			}
		}
	}
	return []analysis.TextEdit{insert(file.Name.End(), "\n\nimport "+spec)}
}

// isStd reports whether the quoted import path belongs to the standard
// library, whose first path element has no dot.
func isStd(quoted string) bool {
	path, err := strconv.Unquote(quoted)
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
