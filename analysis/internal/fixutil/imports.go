package fixutil

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// ImportName returns the name under which a fix in file refers to the
// package path at pos: the name of the file's first import of path that is
// neither blank nor a dot import, or, with add set, the package's default
// name when the file must import it. ok is false when that name means
// something else at pos (a local variable called http, say).
func ImportName(pkg *types.Package, file *ast.File, pos token.Pos, path string) (name string, add, ok bool) {
	name, add = defaultName(path), true
	for _, spec := range file.Imports {
		if p, err := strconv.Unquote(spec.Path.Value); err != nil || p != path {
			continue
		}
		switch {
		case spec.Name == nil:
			name, add = defaultName(path), false
		case spec.Name.Name == "_" || spec.Name.Name == ".":
			continue
		default:
			name, add = spec.Name.Name, false
		}
		break
	}
	if pkg == nil {
		return "", false, false
	}
	scope := pkg.Scope().Innermost(pos)
	if scope == nil {
		return "", false, false
	}
	_, obj := scope.LookupParent(name, pos)
	if add {
		return name, true, obj == nil
	}
	pn, isPkg := obj.(*types.PkgName)
	return name, false, isPkg && pn.Imported() != nil && pn.Imported().Path() == path
}

// firstImport returns the name of file's first import of path that is not
// blank ("." for a dot import, the default name for an unnamed one), or ""
// if there is none.
func firstImport(file *ast.File, path string) string {
	for _, spec := range file.Imports {
		if p, err := strconv.Unquote(spec.Path.Value); err != nil || p != path {
			continue
		}
		switch {
		case spec.Name == nil:
			return defaultName(path)
		case spec.Name.Name != "_":
			return spec.Name.Name
		}
	}
	return ""
}

func defaultName(path string) string { return path[strings.LastIndex(path, "/")+1:] }

// ImportGroup returns file's first parenthesised import declaration, passing
// over one that imports "C" (its cgo preamble must stay with it alone), or
// nil.
func ImportGroup(file *ast.File) *ast.GenDecl {
	for _, d := range file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if ok && gd.Tok == token.IMPORT && gd.Lparen.IsValid() && !importsC(gd) {
			return gd
		}
	}
	return nil
}

// ImportDecls returns the edit that imports paths with a declaration each,
// after file's last import declaration (or its package clause when it has
// none); with blankLine, a blank line separates them from what precedes.
func ImportDecls(file *ast.File, blankLine bool, paths ...string) analysis.TextEdit {
	var last ast.Node = file.Name
	for _, d := range file.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT {
			last = gd
		}
	}
	var sb strings.Builder
	if blankLine {
		sb.WriteString("\n")
	}
	for _, p := range paths {
		fmt.Fprintf(&sb, "\nimport %q", p)
	}
	return insert(last.End(), sb.String())
}

// AddStdImports returns the edits that import the standard library paths
// (sorted, none imported yet) into file: into ImportGroup(file), each path
// before the first standard library import that sorts after it (above its
// doc comment), else after the last one (keeping a line comment on its
// line), else all in a run of their own at the top of the group; with no
// such group, by ImportDecls.
func AddStdImports(tf *token.File, src []byte, file *ast.File, blankLine bool, paths ...string) []analysis.TextEdit {
	if len(paths) == 0 {
		return nil
	}
	group := ImportGroup(file)
	if group == nil {
		return []analysis.TextEdit{ImportDecls(file, blankLine, paths...)}
	}
	var std []*ast.ImportSpec
	for _, s := range group.Specs {
		if is, ok := s.(*ast.ImportSpec); ok && isStd(importPath(is)) {
			std = append(std, is)
		}
	}
	type place struct {
		pos    token.Pos
		before bool // before a spec, rather than after one or the "("
	}
	texts := make(map[place]*strings.Builder)
	var places []place // in order of first use
	for _, p := range paths {
		var at place
		switch i := sort.Search(len(std), func(i int) bool { return importPath(std[i]) > p }); {
		case i < len(std):
			first := ast.Node(std[i])
			if std[i].Doc != nil {
				first = std[i].Doc
			}
			at = place{first.Pos(), true}
		case len(std) > 0:
			end := std[len(std)-1].End()
			if eol, onlyComment := LineEnd(tf, src, end); onlyComment {
				end = eol
			}
			at = place{end, false}
		default:
			at = place{group.Lparen + 1, false}
		}
		sb := texts[at]
		if sb == nil {
			sb = new(strings.Builder)
			texts[at] = sb
			places = append(places, at)
		}
		if at.before {
			fmt.Fprintf(sb, "%q\n\t", p)
		} else {
			fmt.Fprintf(sb, "\n\t%q", p)
		}
	}
	var edits []analysis.TextEdit
	for _, at := range places {
		text := texts[at].String()
		if at.pos == group.Lparen+1 {
			text += "\n" // a run of its own before the other imports
		}
		edits = append(edits, insert(at.pos, text))
	}
	return edits
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
			if !ok || !isStdSpec(is) {
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
			case !isStdSpec(is):
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

// isStdSpec reports whether is imports a standard library package.
func isStdSpec(is *ast.ImportSpec) bool {
	path, err := strconv.Unquote(is.Path.Value)
	return err == nil && isStd(path)
}

// isStd reports whether an import path looks like the standard library's:
// no dot in its first element.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// importPath returns the path is imports ("" if it is malformed).
func importPath(is *ast.ImportSpec) string {
	p, _ := strconv.Unquote(is.Path.Value)
	return p
}

func importsC(gd *ast.GenDecl) bool {
	for _, s := range gd.Specs {
		if is, ok := s.(*ast.ImportSpec); ok && importPath(is) == "C" {
			return true
		}
	}
	return false
}
