package doublebind

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"

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
	tf := c.pass.Fset.File(second.call.Pos())
	file := c.fileOf(second.call.Pos())
	if tf == nil || file == nil {
		return nil
	}
	src, err := c.pass.ReadFile(tf.Name())
	if err != nil || tf.Size() != len(src) {
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
	name, add = "binding", true
	for _, spec := range file.Imports {
		if p, err := strconv.Unquote(spec.Path.Value); err != nil || p != bindingPath {
			continue
		}
		switch {
		case spec.Name == nil:
			name, add = "binding", false
		case spec.Name.Name == "_" || spec.Name.Name == ".":
			continue
		default:
			name, add = spec.Name.Name, false
		}
		break
	}
	needName := false
	for _, r := range reads {
		if r.withBody {
			continue // keeps its own binding argument
		}
		needName = true
		scope := c.pass.Pkg.Scope().Innermost(r.call.Pos())
		if scope == nil {
			return "", false, false
		}
		_, obj := scope.LookupParent(name, r.call.Pos())
		if add && obj != nil {
			return "", false, false
		}
		if pn, isPkg := obj.(*types.PkgName); !add && (!isPkg || pn.Imported().Path() != bindingPath) {
			return "", false, false
		}
	}
	return name, add && needName, true
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

// addImport adds the import of path: on the line after gin's import when
// the file has it in a parenthesised group, else at the end of the first
// parenthesised group, else as a declaration of its own after the last
// import (or the package clause). gofmt sorts it in place.
func addImport(tf *token.File, src []byte, file *ast.File, path string) analysis.TextEdit {
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
		return analysis.TextEdit{Pos: last.End(), End: last.End(), NewText: []byte("\n\nimport " + strconv.Quote(path))}
	}
	for _, s := range group.Specs {
		if is, ok := s.(*ast.ImportSpec); ok {
			if p, _ := strconv.Unquote(is.Path.Value); p == "github.com/gin-gonic/gin" {
				at := lineEnd(tf, src, is.End())
				return analysis.TextEdit{Pos: at, End: at, NewText: []byte("\n\t" + strconv.Quote(path))}
			}
		}
	}
	return analysis.TextEdit{Pos: group.Rparen, End: group.Rparen, NewText: []byte("\t" + strconv.Quote(path) + "\n")}
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

func importsC(gd *ast.GenDecl) bool {
	for _, s := range gd.Specs {
		if is, ok := s.(*ast.ImportSpec); ok && is.Path.Value == `"C"` {
			return true
		}
	}
	return false
}
