package abortreturn

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// parseBody parses body as the body of func f and returns its statements.
func parseBody(t *testing.T, body string) (*token.FileSet, *token.File, []byte, []ast.Stmt) {
	t.Helper()
	src := "package p\n\nfunc f() {\n" + body + "\n}\n"
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	return fset, fset.File(f.Pos()), []byte(src), f.Decls[0].(*ast.FuncDecl).Body.List
}

// firstCallStmt finds the first ExprStmt calling abort().
func firstCallStmt(stmts []ast.Stmt) ast.Stmt {
	var found ast.Stmt
	for _, s := range stmts {
		ast.Inspect(s, func(n ast.Node) bool {
			if es, ok := n.(*ast.ExprStmt); ok && found == nil {
				if call, ok := es.X.(*ast.CallExpr); ok {
					if id, ok := call.Fun.(*ast.Ident); ok && id.Name == "abort" {
						found = es
					}
				}
			}
			return found == nil
		})
	}
	return found
}

func TestInsertion(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
	}{
		{"own line", "\tif x {\n\t\tabort()\n\t}", "\tif x {\n\t\tabort()\n\t\treturn\n\t}"},
		{"comment", "\tif x {\n\t\tabort() // no\n\t}", "\tif x {\n\t\tabort() // no\n\t\treturn\n\t}"},
		{"one line", "\tif x { abort() }", "\tif x { abort(); return }"},
		{"block comment", "\tabort() /* c */ ; y()", "\tabort(); return /* c */ ; y()"},
		{"spaces", "    abort()", "    abort()\n    return"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, tf, src, stmts := parseBody(t, tc.body)
			st := firstCallStmt(stmts)
			if st == nil {
				t.Fatal("no abort() statement")
			}
			pos, text := insertion(tf, src, st)
			off := tf.Offset(pos)
			got := string(src[:off]) + text + string(src[off:])
			want := strings.Replace(string(src), tc.body, tc.want, 1)
			if got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestJumps(t *testing.T) {
	for _, tc := range []struct {
		body string
		want bool
	}{
		{"x()", false},
		{"x(); return", true},
		{"if y { break }", true},
		{"for { continue }", true},
		{"f := func() { return }; _ = f", false},
		{"goto L; L: x()", true},
	} {
		_, _, _, stmts := parseBody(t, "for {"+strings.ReplaceAll(tc.body, "; ", "\n")+"\n}")
		loop := stmts[0].(*ast.ForStmt)
		if got := jumps(loop.Body.List); got != tc.want {
			t.Errorf("jumps(%q) = %v, want %v", tc.body, got, tc.want)
		}
	}
}
