package doublebind

import (
	"fmt"
	"go/ast"
	"go/token"
	"strconv"

	"github.com/ginleak/ginleak/analysis/internal/fixutil"
	"golang.org/x/tools/go/analysis"
)

// fix rewrites both binds to c.ShouldBindBodyWith, which reads the body
// once and keeps the bytes in the context for every later such bind. It
// applies when each read is a c.ShouldBind<Kind> or c.ShouldBindWith with
// a binding.BindingBody, or already a c.ShouldBindBodyWith. Bind<Kind> and
// MustBindWith are left alone: they abort with 400 on error, which
// ShouldBindBodyWith does not.
func (c *checker) fix(first, second *read) []analysis.SuggestedFix {
	var edited []*read
	for _, r := range []*read{first, second} {
		switch {
		case r.fixable():
			if len(edited) == 0 || edited[0] != r {
				edited = append(edited, r)
			}
		case r.kind != cached:
			return nil
		}
	}
	if len(edited) == 0 {
		return nil
	}
	tf, src, ok := fixutil.Source(c.pass, second.call.Pos())
	file := fixutil.FileOf(c.pass, second.call.Pos())
	if !ok || file == nil {
		return nil
	}
	pkg, add, ok := c.bindingName(file, edited)
	if !ok {
		return nil
	}
	var edits []analysis.TextEdit
	for _, r := range edited {
		edits = append(edits, rewrite(tf, src, r, pkg))
	}
	if add {
		edits = append(edits, addImport(tf, src, file, bindingPath))
	}
	return []analysis.SuggestedFix{{
		Message:   "Bind with c.ShouldBindBodyWith, which caches the body for the next bind",
		TextEdits: edits,
	}}
}

// rewrite turns c.ShouldBindJSON(&v) into c.ShouldBindBodyWith(&v,
// binding.JSON), and c.ShouldBindWith(&v, b) into c.ShouldBindBodyWith(&v, b).
func rewrite(tf *token.File, src []byte, r *read, pkg string) analysis.TextEdit {
	if r.withBody {
		return analysis.TextEdit{Pos: r.sel.Sel.Pos(), End: r.sel.Sel.End(), NewText: []byte("ShouldBindBodyWith")}
	}
	arg := r.call.Args[0]
	text := fmt.Sprintf("ShouldBindBodyWith(%s, %s.%s)",
		src[tf.Offset(arg.Pos()):tf.Offset(arg.End())], pkg, r.bindingVar)
	return analysis.TextEdit{Pos: r.sel.Sel.Pos(), End: r.call.End(), NewText: []byte(text)}
}

// bindingName returns the name the file gives gin's binding package, and
// whether the import must be added; ok is false when that name means
// something else at one of the reads (a local called binding) or the
// package is dot-imported.
func (c *checker) bindingName(file *ast.File, reads []*read) (name string, add, ok bool) {
	for _, r := range reads {
		if r.withBody {
			continue // keeps its own binding argument
		}
		if name, add, ok = fixutil.ImportName(c.pass.Pkg, file, r.call.Pos(), bindingPath); !ok {
			return "", false, false
		}
	}
	return name, add, true
}

// addImport adds the import of path: on the line after gin's import when
// the file has it in a parenthesised group, else at the end of the first
// parenthesised group, else as a declaration of its own after the last
// import (or the package clause). gofmt sorts it in place.
func addImport(tf *token.File, src []byte, file *ast.File, path string) analysis.TextEdit {
	group := fixutil.ImportGroup(file)
	if group == nil {
		return fixutil.ImportDecls(file, true, path)
	}
	for _, s := range group.Specs {
		if is, ok := s.(*ast.ImportSpec); ok {
			if p, _ := strconv.Unquote(is.Path.Value); p == "github.com/gin-gonic/gin" {
				at, _ := fixutil.LineEnd(tf, src, is.End())
				return analysis.TextEdit{Pos: at, End: at, NewText: []byte("\n\t" + strconv.Quote(path))}
			}
		}
	}
	return analysis.TextEdit{Pos: group.Rparen, End: group.Rparen, NewText: []byte("\t" + strconv.Quote(path) + "\n")}
}
