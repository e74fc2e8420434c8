package fixutil

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"

	"golang.org/x/tools/go/ast/inspector"
)

func TestListStmt(t *testing.T) {
	const src = `package p

func f(c, d int, ch chan int) {
	x := g(1)
	if y := g(2); y > 0 {
	} else if z := g(3); z > 0 {
	}
	switch g(4) {
	case g(5):
		g(6)
	}
L:
	for g(7) > 0 {
		break L
	}
	go func() { g(8) }()
	select {
	case ch <- g(10):
		g(11)
	case <-ch:
	M:
		g(12)
	}
}

var v = g(9)

func g(int) int { return 0 }
`
	// The statement next to which each call's fix goes, by its argument.
	tests := map[string]struct{ before, after string }{
		"1":  {"x := g(1)", "x := g(1)"},
		"2":  {"if y := g(2); y > 0 {", "if y := g(2); y > 0 {"},
		"3":  {"if y := g(2); y > 0 {", "if y := g(2); y > 0 {"},
		"4":  {"switch g(4) {", "switch g(4) {"},
		"5":  {"switch g(4) {", ""}, // the end of the case is the end of its body
		"6":  {"g(6)", "g(6)"},
		"7":  {"L:", "L:"},
		"8":  {"g(8) }()", "g(8) }()"},
		"9":  {"", ""},
		"10": {"select {", ""},
		"11": {"g(11)", "g(11)"},
		"12": {"M:", "M:"},
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	line := func(cur inspector.Cursor, ok bool) string {
		if !ok {
			return ""
		}
		off := fset.Position(cur.Node().Pos()).Offset
		end := off + strings.IndexByte(src[off:], '\n')
		return src[off:end]
	}
	seen := 0
	for cur := range inspector.New([]*ast.File{f}).Root().Preorder((*ast.CallExpr)(nil)) {
		call := cur.Node().(*ast.CallExpr)
		if len(call.Args) != 1 {
			continue
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok {
			continue
		}
		seen++
		want := tests[lit.Value]
		if got := line(ListStmt(cur, Before)); got != want.before {
			t.Errorf("g(%s), Before: statement %q, want %q", lit.Value, got, want.before)
		}
		if got := line(ListStmt(cur, After)); got != want.after {
			t.Errorf("g(%s), After: statement %q, want %q", lit.Value, got, want.after)
		}
	}
	if seen != len(tests) {
		t.Errorf("saw %d calls, want %d", seen, len(tests))
	}
}

func TestIndentAndLineEnd(t *testing.T) {
	for _, tc := range []struct {
		name, body  string
		indent      string
		first       bool
		rest        string // the source from LineEnd on
		onlyComment bool
		sepBefore   string
	}{
		{"plain", "\tx := 1\n\t_ = x\n", "\t", true, "\n\t_ = x\n}\n", true, "\n\t"},
		{"line comment", "\tx := 1 // note\n\t_ = x\n", "\t", true, "\n\t_ = x\n}\n", true, "\n\t"},
		{"block comment", "\tx := 1 /* note */\n\t_ = x\n", "\t", true, "\n\t_ = x\n}\n", false, "\n\t"},
		{"more code on the line", "\tx := 1; _ = x\n", "\t", true, "\n}\n", false, "\n\t"},
		{"not first on its line", "\t{ x := 1 }\n", "\t", false, "\n}\n", false, "; "},
		{"spaces", "  x := 1  \n  _ = x\n", "  ", true, "\n  _ = x\n}\n", true, "\n  "},
		{"crlf", "\tx := 1 // note\r\n\t_ = x\r\n", "\t", true, "\r\n\t_ = x\r\n}\n", true, "\n\t"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "package p\n\nfunc f() {\n" + tc.body + "}\n"
			_, tf, f := parse(t, src)
			var stmt ast.Stmt // the statement x := 1
			ast.Inspect(f, func(n ast.Node) bool {
				if as, ok := n.(*ast.AssignStmt); ok && stmt == nil && as.Tok == token.DEFINE {
					stmt = as
				}
				return stmt == nil
			})
			indent, first := Indent(tf, []byte(src), stmt.Pos())
			if indent != tc.indent || first != tc.first {
				t.Errorf("Indent = %q, %v; want %q, %v", indent, first, tc.indent, tc.first)
			}
			end, onlyComment := LineEnd(tf, []byte(src), stmt.End())
			if rest := src[tf.Offset(end):]; rest != tc.rest || onlyComment != tc.onlyComment {
				t.Errorf("LineEnd: rest %q, %v; want %q, %v", rest, onlyComment, tc.rest, tc.onlyComment)
			}
			if sep := SepBefore(tf, []byte(src), stmt.Pos()); sep != tc.sepBefore {
				t.Errorf("SepBefore = %q, want %q", sep, tc.sepBefore)
			}
		})
	}
}

func TestLineEndLastLine(t *testing.T) {
	src := "package p\n\nvar x = 1 // no newline"
	_, tf, f := parse(t, src)
	end, onlyComment := LineEnd(tf, []byte(src), f.Decls[0].End())
	if tf.Offset(end) != len(src) || !onlyComment {
		t.Errorf("LineEnd = offset %d, %v; want %d, true", tf.Offset(end), onlyComment, len(src))
	}
}

func TestRepeatable(t *testing.T) {
	for src, want := range map[string]bool{
		"r":           true,
		"c.Request":   true,
		"(c).Request": true,
		"a.b.c":       true,
		"get(c)":      false,
		"rs[0]":       false,
		"*p":          false,
		"get(c).Req":  false,
	} {
		e, err := parser.ParseExpr(src)
		if err != nil {
			t.Fatal(err)
		}
		if got := Repeatable(e); got != want {
			t.Errorf("Repeatable(%s) = %v, want %v", src, got, want)
		}
	}
}
