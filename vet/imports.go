package vet

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"path"
	"strconv"
)

// dropImportsMadeUnused removes the imports that the fixes left unused.
// Each fix may only replace a use of a package (bgcontext turns
// context.Background() into c.Request.Context()); no single fix can drop the
// import, because applied alone it would break the others. An import is
// dropped only when the original file used its name and the fixed one does
// not, so imports whose package name differs from their path, blank, dot and
// cgo imports, and imports unused before are all left alone.
func dropImportsMadeUnused(orig, fixed []byte) ([]byte, error) {
	fset := token.NewFileSet()
	before, err := parser.ParseFile(fset, "", orig, parser.SkipObjectResolution)
	if err != nil {
		return fixed, nil // not ours to judge: the caller formats and reports
	}
	after, err := parser.ParseFile(fset, "", fixed, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	usedBefore, usedAfter := qualifiers(before), qualifiers(after)
	var drop []*ast.ImportSpec
	for _, spec := range after.Imports {
		name := importName(spec)
		if name == "" || !usedBefore[name] || usedAfter[name] {
			continue
		}
		drop = append(drop, spec)
	}
	if len(drop) == 0 {
		return fixed, nil
	}
	// A lone `import "x"` goes with its keyword.
	lone := map[*ast.ImportSpec]*ast.GenDecl{}
	for _, d := range after.Decls {
		if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.IMPORT && !gd.Lparen.IsValid() && len(gd.Specs) == 1 {
			lone[gd.Specs[0].(*ast.ImportSpec)] = gd
		}
	}
	// Cut whole lines, from the last import up, so offsets stay valid.
	out := fixed
	for i := len(drop) - 1; i >= 0; i-- {
		var from, to token.Pos = drop[i].Pos(), drop[i].End()
		if drop[i].Doc != nil {
			from = drop[i].Doc.Pos()
		}
		if gd := lone[drop[i]]; gd != nil {
			from, to = gd.Pos(), gd.End()
			if gd.Doc != nil {
				from = gd.Doc.Pos()
			}
		}
		start, end := fset.Position(from).Offset, fset.Position(to).Offset
		lineStart := bytes.LastIndexByte(out[:start], '\n') + 1
		lineEnd := end
		if nl := bytes.IndexByte(out[end:], '\n'); nl >= 0 {
			lineEnd = end + nl + 1
		}
		if len(bytes.TrimSpace(out[lineStart:start])) != 0 || len(bytes.TrimSpace(out[end:lineEnd])) != 0 {
			continue // shares its line with other code: leave it
		}
		out = append(out[:lineStart:lineStart], out[lineEnd:]...)
	}
	if _, err := parser.ParseFile(token.NewFileSet(), "", out, parser.ImportsOnly); err != nil {
		return fixed, nil // leave the imports as they were rather than break the file
	}
	return out, nil
}

// importName is the name an import is used by, or "" when it cannot be
// told from the source (or is blank, dot or cgo).
func importName(spec *ast.ImportSpec) string {
	p, err := strconv.Unquote(spec.Path.Value)
	if err != nil || p == "C" {
		return ""
	}
	if spec.Name != nil {
		if spec.Name.Name == "_" || spec.Name.Name == "." {
			return ""
		}
		return spec.Name.Name
	}
	return path.Base(p)
}

// qualifiers lists the identifiers used as X in X.Sel expressions.
func qualifiers(f *ast.File) map[string]bool {
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				used[id.Name] = true
			}
		}
		return true
	})
	return used
}
