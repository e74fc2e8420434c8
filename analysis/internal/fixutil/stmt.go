package fixutil

import (
	"bytes"
	"go/ast"
	"go/token"

	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"
)

// Repeatable reports whether e is an identifier or a chain of field
// selections on one, so that a fix can write it again.
func Repeatable(e ast.Expr) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return true
	case *ast.SelectorExpr:
		return Repeatable(e.X)
	}
	return false
}

// Indent returns the spaces and tabs that start pos's line, and whether
// pos is the first thing on it.
func Indent(tf *token.File, src []byte, pos token.Pos) (indent string, first bool) {
	start, off := tf.Offset(tf.LineStart(tf.Line(pos))), tf.Offset(pos)
	line := src[start:]
	n := min(len(line)-len(bytes.TrimLeft(line, " \t")), off-start)
	return string(line[:n]), n == off-start
}

// SepBefore returns what follows a statement inserted before the one at
// pos: a newline and that statement's indentation when it starts its
// line, else "; ".
func SepBefore(tf *token.File, src []byte, pos token.Pos) string {
	if indent, first := Indent(tf, src, pos); first {
		return "\n" + indent
	}
	return "; "
}

// LineEnd returns the end of pos's line, before its "\n" or "\r\n" (the end
// of src on the last line), and whether only white space and a line
// comment stand between pos and there: text inserted at the end then
// leaves such a comment on pos's line.
func LineEnd(tf *token.File, src []byte, pos token.Pos) (end token.Pos, onlyComment bool) {
	off := tf.Offset(pos)
	rest := src[off:]
	if i := bytes.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[:i]
	}
	t := bytes.TrimSpace(rest)
	return tf.Pos(off + len(bytes.TrimRight(rest, "\r"))), len(t) == 0 || bytes.HasPrefix(t, []byte("//"))
}

// Side is where a fix puts a statement next to the one ListStmt finds.
type Side int

const (
	Before Side = iota
	After
)

// ListStmt returns the statement at or above cur that sits directly in a
// statement list (a block, or the body of a case or select clause), next to
// which a fix can put a statement. The climb goes through the headers of
// if, for, switch and select statements and through labels: code in an if
// condition gives the if statement, a labelled statement its label. For
// After, code in a case expression or a select clause's communication gives
// none: the end of a clause is the end of its body, which runs only when
// the case is chosen. Code outside every statement list of its function (a
// package-level initialiser, say) gives none either.
func ListStmt(cur inspector.Cursor, side Side) (inspector.Cursor, bool) {
	for ; cur.Valid() && cur.Node() != nil; cur = cur.Parent() {
		switch cur.Node().(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			return inspector.Cursor{}, false
		case *ast.CaseClause, *ast.CommClause:
			if side == After {
				return inspector.Cursor{}, false
			}
			continue // nothing can go before a clause but another clause
		case ast.Stmt:
			switch cur.ParentEdgeKind() {
			case edge.BlockStmt_List, edge.CaseClause_Body, edge.CommClause_Body:
				return cur, true
			}
		}
	}
	return inspector.Cursor{}, false
}
