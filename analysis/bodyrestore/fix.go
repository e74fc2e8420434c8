package bodyrestore

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/internal/fixutil"
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
		if !fixutil.Repeatable(buf) || stmt == nil {
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
	if v == nil || !fixutil.Repeatable(v) {
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
// in a statement list, so a new statement can follow it, or nil. It passes
// over a labelled statement to the statement around it.
func listStmt(cur inspector.Cursor) ast.Stmt {
	for {
		at, ok := fixutil.ListStmt(cur, fixutil.After)
		if !ok {
			return nil
		}
		if _, labeled := at.Node().(*ast.LabeledStmt); !labeled {
			return at.Node().(ast.Stmt)
		}
		cur = at.Parent()
	}
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
	file := fixutil.FileOf(c.pass, stmt.Pos())
	tf, src, ok := fixutil.Source(c.pass, stmt.Pos())
	if file == nil || !ok {
		return nil
	}
	at := stmt.End()
	ioName, ioNew, ok := fixutil.ImportName(c.pass.Pkg, file, at, "io")
	if !ok {
		return nil
	}
	bytesName, bytesNew, ok := fixutil.ImportName(c.pass.Pkg, file, at, "bytes")
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
	edits = append(edits, fixutil.AddStdImports(tf, src, file, false, missing...)...)
	return []analysis.SuggestedFix{{
		Message:   "Restore the request body after reading it",
		TextEdits: edits,
	}}
}

// afterLine returns where a statement following stmt goes: the end of
// stmt's last line when only a line comment follows it there (so the
// comment stays put), else just after stmt; and the indentation of the
// line stmt starts on.
func afterLine(tf *token.File, src []byte, stmt ast.Stmt) (token.Pos, string) {
	indent, _ := fixutil.Indent(tf, src, stmt.Pos())
	end, onlyComment := fixutil.LineEnd(tf, src, stmt.End())
	if !onlyComment {
		end = stmt.End()
	}
	return end, indent
}
