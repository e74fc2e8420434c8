package bodyrestore

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strconv"
	"strings"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/inspector"
)

// dataExpr returns the expression holding the bytes the read took and the
// statement after which they are available, or nil when the bytes are
// discarded or not in a form the fix can reuse:
//
//	body, err := io.ReadAll(r.Body)  // body
//	var body, _ = c.GetRawData()     // body
//	io.Copy(&buf, r.Body)            // buf.Bytes(), buf a bytes.Buffer
//	io.Copy(buf, r.Body)             // buf.Bytes(), buf a *bytes.Buffer
func (c *checker) dataExpr(r *bodyRead) (ast.Expr, ast.Stmt) {
	info := c.pass.TypesInfo
	if r.dst != nil {
		buf := ast.Unparen(r.dst)
		if u, ok := buf.(*ast.UnaryExpr); ok && u.Op == token.AND {
			buf = ast.Unparen(u.X)
			if !gintypes.IsNamed(info.TypeOf(buf), "bytes", "Buffer") {
				return nil, nil
			}
		} else if !gintypes.IsPointerTo(info.TypeOf(buf), "bytes", "Buffer") {
			return nil, nil
		}
		stmt := listStmt(r.cur)
		if !isSimple(buf) || stmt == nil {
			return nil, nil
		}
		return &ast.CallExpr{Fun: &ast.SelectorExpr{X: buf, Sel: ast.NewIdent("Bytes")}}, stmt
	}
	// io.ReadAll and GetRawData: the first result, kept by the statement
	// that makes the call.
	parent := r.cur.Parent()
	var v ast.Expr
	switch p := parent.Node().(type) {
	case *ast.AssignStmt:
		if len(p.Rhs) == 1 && ast.Unparen(p.Rhs[0]) == r.call && len(p.Lhs) > 0 {
			v = p.Lhs[0]
		}
	case *ast.ValueSpec:
		if len(p.Values) == 1 && ast.Unparen(p.Values[0]) == r.call && len(p.Names) > 0 {
			v = p.Names[0]
		}
		parent = parent.Parent() // the GenDecl; listStmt climbs to the DeclStmt
	}
	if v == nil || !isSimple(v) {
		return nil, nil
	}
	if id, ok := v.(*ast.Ident); ok && id.Name == "_" {
		return nil, nil
	}
	t := info.TypeOf(v)
	if t == nil {
		return nil, nil
	}
	if s, ok := t.Underlying().(*types.Slice); !ok || !types.Identical(s.Elem(), types.Typ[types.Byte]) {
		return nil, nil // e.g. an interface variable: bytes.NewReader(v) would not compile
	}
	stmt := listStmt(parent)
	if stmt == nil || (stmt != parent.Node() && stmt.Pos() != parent.Node().Pos()) {
		return nil, nil // if body, err := ...; err == nil { }: body is scoped to the if
	}
	return v, stmt
}

// listStmt returns the nearest statement at or above cur that sits directly
// in a statement list, so a new statement can follow it, or nil.
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
		p := cur.Parent()
		if p.Valid() && stmtList(p.Node()) != nil {
			if _, labeled := s.(*ast.LabeledStmt); !labeled {
				return s
			}
		}
	}
	return nil
}

// fix returns the fix inserting req.Body = io.NopCloser(bytes.NewReader(v))
// after the read, or nil when it cannot be written so that it compiles.
func (c *checker) fix(r *bodyRead) []analysis.SuggestedFix {
	if !r.reqExprOK() {
		return nil
	}
	v, stmt := c.dataExpr(r)
	if v == nil {
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
	at := stmt.End()
	ioName, ioNew, ok := c.pkgName(file, at, "io")
	if !ok {
		return nil
	}
	bytesName, bytesNew, ok := c.pkgName(file, at, "bytes")
	if !ok {
		return nil
	}
	insertAt, indent := afterLine(tf, src, stmt)
	assign := fmt.Sprintf("%s.Body = %s.NopCloser(%s.NewReader(%s))", r.reqText(), ioName, bytesName, types.ExprString(v))
	edits := []analysis.TextEdit{{Pos: insertAt, End: insertAt, NewText: []byte("\n" + indent + assign)}}
	var missing []string
	if bytesNew {
		missing = append(missing, "bytes")
	}
	if ioNew {
		missing = append(missing, "io")
	}
	edits = append(edits, importEdits(tf, src, file, missing)...)
	return []analysis.SuggestedFix{{
		Message:   "Restore the request body after reading it",
		TextEdits: edits,
	}}
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

// pkgName returns the name under which the fix refers to the standard
// package path at pos: the file's import name, or the path itself with
// add set when the import must be added. ok is false when that name means
// something else at pos (say, a variable called bytes).
func (c *checker) pkgName(file *ast.File, pos token.Pos, path string) (name string, add bool, ok bool) {
	name, add = path, true
	for _, spec := range file.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil || p != path {
			continue
		}
		switch {
		case spec.Name == nil:
			name, add = path, false
		case spec.Name.Name != "_" && spec.Name.Name != ".":
			name, add = spec.Name.Name, false
		}
		if !add {
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
	return name, false, isPkg && pn.Imported().Path() == path
}

// afterLine returns where a statement following stmt goes: the end of
// stmt's last line when only a line comment follows it there (so the
// comment stays put), else just after stmt; and the indentation of the
// line stmt starts on.
func afterLine(tf *token.File, src []byte, stmt ast.Stmt) (token.Pos, string) {
	start := tf.Offset(tf.LineStart(tf.Line(stmt.Pos())))
	indent := src[start:]
	indent = indent[:len(indent)-len(bytes.TrimLeft(indent, " \t"))]

	return endOfLine(tf, src, stmt.End()), string(indent)
}

// importEdits adds the standard-library imports paths (sorted) to file:
// in its first parenthesised import declaration, in order among the
// standard-library imports; else as new declarations after the last import
// declaration (or the package clause).
func importEdits(tf *token.File, src []byte, file *ast.File, paths []string) []analysis.TextEdit {
	if len(paths) == 0 {
		return nil
	}
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
	if group == nil {
		var sb strings.Builder
		for _, p := range paths {
			fmt.Fprintf(&sb, "\nimport %q", p)
		}
		at := last.End()
		return []analysis.TextEdit{{Pos: at, End: at, NewText: []byte(sb.String())}}
	}

	// Each path goes before the first standard-library import that sorts
	// after it, else after the last one, else opens the group on its own.
	var std []*ast.ImportSpec
	for _, s := range group.Specs {
		if is, ok := s.(*ast.ImportSpec); ok && isStd(importPath(is)) {
			std = append(std, is)
		}
	}
	type insertion struct {
		pos    token.Pos
		before bool
	}
	texts := make(map[insertion]*strings.Builder)
	var keys []insertion
	for _, p := range paths {
		var ins insertion
		switch i := sort.Search(len(std), func(i int) bool { return importPath(std[i]) > p }); {
		case i < len(std):
			first := ast.Node(std[i])
			if std[i].Doc != nil {
				first = std[i].Doc
			}
			ins = insertion{first.Pos(), true}
		case len(std) > 0:
			ins = insertion{endOfLine(tf, src, std[len(std)-1].End()), false}
		default:
			ins = insertion{group.Lparen + 1, false}
		}
		sb := texts[ins]
		if sb == nil {
			sb = new(strings.Builder)
			texts[ins] = sb
			keys = append(keys, ins)
		}
		if ins.before {
			fmt.Fprintf(sb, "%q\n\t", p)
		} else {
			fmt.Fprintf(sb, "\n\t%q", p)
		}
	}
	var edits []analysis.TextEdit
	for _, k := range keys {
		text := texts[k].String()
		if k.pos == group.Lparen+1 {
			text += "\n" // a group of its own before the other imports
		}
		edits = append(edits, analysis.TextEdit{Pos: k.pos, End: k.pos, NewText: []byte(text)})
	}
	return edits
}

// endOfLine returns the end of pos's line when only a line comment (or
// nothing) follows pos there, so that text inserted there keeps the comment
// on its line; else pos.
func endOfLine(tf *token.File, src []byte, pos token.Pos) token.Pos {
	off := tf.Offset(pos)
	rest := src[off:]
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i]
	}
	if t := bytes.TrimSpace(rest); len(t) == 0 || bytes.HasPrefix(t, []byte("//")) {
		return tf.Pos(off + len(bytes.TrimRight(rest, "\r")))
	}
	return pos
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
