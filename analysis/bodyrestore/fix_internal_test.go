package bodyrestore

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
)

func parse(t *testing.T, src string) (*token.File, *ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	return fset.File(f.Pos()), f
}

func TestAfterLine(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		wantRest   string // the source after the insertion point
		wantIndent string
	}{
		{"plain", "\tx := 1\n\t_ = x\n", "\n\t_ = x\n}\n", "\t"},
		{"line comment stays", "\tx := 1 // note\n\t_ = x\n", "\n\t_ = x\n}\n", "\t"},
		{"more code on the line", "\tx := 1; _ = x\n", "; _ = x\n}\n", "\t"},
		{"spaces", "  x := 1  \n  _ = x\n", "\n  _ = x\n}\n", "  "},
		{"crlf", "\tx := 1 // note\r\n\t_ = x\r\n", "\r\n\t_ = x\r\n}\n", "\t"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "package p\n\nfunc f() {\n" + tc.body + "}\n"
			tf, f := parse(t, src)
			stmt := f.Decls[0].(*ast.FuncDecl).Body.List[0]
			pos, indent := afterLine(tf, []byte(src), stmt)
			if rest := src[tf.Offset(pos):]; rest != tc.wantRest {
				t.Errorf("rest = %q, want %q", rest, tc.wantRest)
			}
			if indent != tc.wantIndent {
				t.Errorf("indent = %q, want %q", indent, tc.wantIndent)
			}
		})
	}
}
