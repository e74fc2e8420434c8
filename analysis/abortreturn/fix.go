package abortreturn

import (
	"go/ast"
	"go/token"

	"github.com/ginleak/ginleak/analysis/internal/fixutil"
	"golang.org/x/tools/go/analysis"
)

// fix inserts return after the statement that writes the abort's response
// (resp, at index idx of the abort's statement list). When the rest of the
// block writes nothing, the return goes at the end of the block instead,
// so that logging or cleanup after the abort still runs. No fix is offered
// when the rest of the block leaves it by a jump (break, continue, goto,
// fallthrough, return): the path to the second write is then that jump.
func (c *checker) fix(s *site, resp ast.Stmt, idx int) []analysis.SuggestedFix {
	rest := s.list[idx+1:]
	after := resp
	if len(rest) > 0 && !c.writesIn(rest, s.ctx) {
		if jumps(rest) {
			return nil
		}
		after = rest[len(rest)-1]
	}
	tf, src, ok := fixutil.Source(c.pass, after.Pos())
	if !ok {
		return nil
	}
	pos, text := insertion(tf, src, after)
	return []analysis.SuggestedFix{{
		Message:   "Return after the abort",
		TextEdits: []analysis.TextEdit{{Pos: pos, End: pos, NewText: []byte(text)}},
	}}
}

// writesIn reports whether stmts write the response through ctx.
func (c *checker) writesIn(stmts []ast.Stmt, ctx ctxKey) bool {
	found := false
	for _, st := range stmts {
		ast.Inspect(st, func(n ast.Node) bool {
			if found {
				return false
			}
			switch n := n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.CallExpr:
				if w, ok := c.classify(n); ok && w.ctx == ctx {
					found = true
				}
			}
			return true
		})
	}
	return found
}

// jumps reports whether stmts hold a branch or return statement outside
// function literals.
func jumps(stmts []ast.Stmt) bool {
	found := false
	for _, st := range stmts {
		ast.Inspect(st, func(n ast.Node) bool {
			switch n.(type) {
			case *ast.FuncLit:
				return false
			case *ast.BranchStmt, *ast.ReturnStmt:
				found = true
			}
			return !found
		})
	}
	return found
}

// insertion returns where and what to insert for a return after stmt: a
// line of its own with stmt's indentation when stmt starts its line and
// only a line comment follows it (the comment stays on stmt's line), else
// "; return" right after it.
func insertion(tf *token.File, src []byte, stmt ast.Stmt) (token.Pos, string) {
	indent, first := fixutil.Indent(tf, src, stmt.Pos())
	if end, onlyComment := fixutil.LineEnd(tf, src, stmt.End()); first && onlyComment {
		return end, "\n" + indent + "return"
	}
	return stmt.End(), "; return"
}
