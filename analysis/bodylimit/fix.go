package bodylimit

import (
	"fmt"

	"github.com/ginleak/ginleak/analysis/internal/fixutil"
	"golang.org/x/tools/go/analysis"
)

// fix inserts req.Body = http.MaxBytesReader(w, req.Body, 1<<20) before the
// statement that reads, adding the net/http import if missing. 1 MiB is a
// placeholder the author is expected to adjust.
func (c *checker) fix(r *read, w string) []analysis.SuggestedFix {
	if (r.req != nil && !fixutil.Repeatable(r.req)) || (r.ctx != nil && !fixutil.Repeatable(r.ctx)) {
		return nil
	}
	at, ok := fixutil.ListStmt(r.cur, fixutil.Before)
	if !ok {
		return nil
	}
	pos := at.Node().Pos()
	file := fixutil.FileOf(c.pass, pos)
	tf, src, ok := c.srcs.Source(pos)
	if file == nil || !ok {
		return nil
	}
	httpName, add, ok := fixutil.ImportName(c.pass.Pkg, file, pos, "net/http")
	if !ok {
		return nil
	}
	req := r.reqText()
	assign := fmt.Sprintf("%s.Body = %s.MaxBytesReader(%s, %s.Body, 1<<20)", req, httpName, w, req)
	// On a line of its own with the statement's indentation when the
	// statement starts its line, else before it on the same line.
	edits := []analysis.TextEdit{{Pos: pos, End: pos, NewText: []byte(assign + fixutil.SepBefore(tf, src, pos))}}
	if add {
		edits = append(edits, fixutil.AddStdImports(tf, src, file, true, "net/http")...)
	}
	return []analysis.SuggestedFix{{
		Message:   "Limit the request body with http.MaxBytesReader",
		TextEdits: edits,
	}}
}
