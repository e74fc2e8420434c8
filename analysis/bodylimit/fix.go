package bodylimit

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
)

// fix inserts req.Body = http.MaxBytesReader(w, req.Body, 1<<20) before the
// statement that reads, adding the net/http import if missing. 1 MiB is a
// placeholder the author is expected to adjust.
func (c *checker) fix(r *read, w string) []analysis.SuggestedFix {
	if (r.req != nil && !isSimple(r.req)) || (r.ctx != nil && !isSimple(r.ctx)) {
		return nil
	}
	stmt := listStmt(r.cur)
	if stmt == nil {
		return nil
	}
	file := c.fileOf(stmt.Pos())
	tf := c.pass.Fset.File(stmt.Pos())
	if file == nil || tf == nil {
		return nil
	}
	src, err := c.pass.ReadFile(tf.Name())
	if err != nil || tf.Size() != len(src) {
		return nil
	}
	httpName, add, ok := c.httpName(file, stmt.Pos())
	if !ok {
		return nil
	}
	req := r.reqText()
	assign := fmt.Sprintf("%s.Body = %s.MaxBytesReader(%s, %s.Body, 1<<20)", req, httpName, w, req)

	// On a line of its own with the statement's indentation when the
	// statement starts its line, else before it on the same line.
	off := tf.Offset(stmt.Pos())
	lineStart := tf.Offset(tf.LineStart(tf.Line(stmt.Pos())))
	sep := "; "
	if prefix := src[lineStart:off]; len(bytes.TrimLeft(prefix, " \t")) == 0 {
		sep = "\n" + string(prefix)
	}
	edits := []analysis.TextEdit{{Pos: stmt.Pos(), End: stmt.Pos(), NewText: []byte(assign + sep)}}
	if add {
		edits = append(edits, importEdit(tf, src, file, "net/http"))
	}
	return []analysis.SuggestedFix{{
		Message:   "Limit the request body with http.MaxBytesReader",
		TextEdits: edits,
	}}
}

// listStmt returns the statement holding cur that sits directly in a
// statement list (a block or a case body), so a statement can go before
// it; nil when the read is outside any (a package-level initialiser).
func listStmt(cur inspector.Cursor) ast.Stmt {
	for ; cur.Valid() && cur.Node() != nil; cur = cur.Parent() {
		switch cur.Node().(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return nil
		}
		s, ok := cur.Node().(ast.Stmt)
		if !ok {
			continue
		}
		switch s.(type) {
		case *ast.CaseClause, *ast.CommClause:
			continue // in a switch's list, but nothing can go before a case
		}
		// The statement of a label is not in a list: the climb goes on to
		// the labelled statement, and the assignment before the label.
		switch k, _ := cur.ParentEdge(); k {
		case edge.BlockStmt_List, edge.CaseClause_Body, edge.CommClause_Body:
			return s
		}
	}
	return nil
}

// fileOf returns the syntax tree of the file holding pos.
func (c *checker) fileOf(pos token.Pos) *ast.File {
	for _, f := range c.pass.Files {
		if f.FileStart <= pos && pos <= f.FileEnd {
			return f
		}
	}
	return nil
}

// httpName returns the name under which the fix refers to net/http at
// pos: the file's import name, or "http" with add set when the import must
// be added. ok is false when that name means something else at pos.
func (c *checker) httpName(file *ast.File, pos token.Pos) (name string, add, ok bool) {
	name, add = "http", true
	for _, spec := range file.Imports {
		if p, err := strconv.Unquote(spec.Path.Value); err != nil || p != "net/http" {
			continue
		}
		if spec.Name == nil {
			name, add = "http", false
			break
		}
		if spec.Name.Name != "_" && spec.Name.Name != "." {
			name, add = spec.Name.Name, false
			break
		}
	}
	scope := c.pass.Pkg.Scope().Innermost(pos)
	if scope == nil {
		return "", false, false
	}
	_, obj := scope.LookupParent(name, pos)
	if add {
		return name, true, obj == nil
	}
	pn, isPkg := obj.(*types.PkgName)
	return name, false, isPkg && pn.Imported().Path() == "net/http"
}

// importEdit adds the standard-library import path: in the file's first
// parenthesised import declaration, in order among its standard-library
// imports; else as a declaration of its own after the last import (or the
// package clause).
func importEdit(tf *token.File, src []byte, file *ast.File, path string) analysis.TextEdit {
	var group *ast.GenDecl
	var last ast.Node = file.Name
	for _, d := range file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		last = gd
		if group == nil && gd.Lparen.IsValid() && !importsC(gd) {
			group = gd
		}
	}
	quoted := strconv.Quote(path)
	if group == nil {
		return analysis.TextEdit{Pos: last.End(), End: last.End(), NewText: []byte("\n\nimport " + quoted)}
	}
	var std []*ast.ImportSpec
	for _, s := range group.Specs {
		if is, ok := s.(*ast.ImportSpec); ok && isStd(importPath(is)) {
			std = append(std, is)
		}
	}
	i := sort.Search(len(std), func(i int) bool { return importPath(std[i]) > path })
	switch {
	case i < len(std):
		at := std[i].Pos()
		if std[i].Doc != nil {
			at = std[i].Doc.Pos()
		}
		return analysis.TextEdit{Pos: at, End: at, NewText: []byte(quoted + "\n\t")}
	case len(std) > 0:
		at := lineEnd(tf, src, std[len(std)-1].End())
		return analysis.TextEdit{Pos: at, End: at, NewText: []byte("\n\t" + quoted)}
	}
	// No standard-library import yet: a group of its own at the top.
	at := group.Lparen + 1
	return analysis.TextEdit{Pos: at, End: at, NewText: []byte("\n\t" + quoted + "\n")}
}

// lineEnd returns the end of pos's line (before any "\r\n"), so that text
// inserted there keeps a trailing comment on its line.
func lineEnd(tf *token.File, src []byte, pos token.Pos) token.Pos {
	off := tf.Offset(pos)
	i := bytes.IndexByte(src[off:], '\n')
	if i < 0 {
		return tf.Pos(len(src))
	}
	return tf.Pos(off + len(bytes.TrimRight(src[off:off+i], "\r")))
}

func importPath(s *ast.ImportSpec) string {
	p, _ := strconv.Unquote(s.Path.Value)
	return p
}

// isStd reports whether an import path looks like the standard library's:
// no dot in its first element.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

func importsC(gd *ast.GenDecl) bool {
	for _, s := range gd.Specs {
		if is, ok := s.(*ast.ImportSpec); ok && importPath(is) == "C" {
			return true
		}
	}
	return false
}
