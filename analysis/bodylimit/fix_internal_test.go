package bodylimit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"testing"

	"golang.org/x/tools/go/ast/inspector"
)

func TestImportEdit(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{
			"between standard imports",
			"package p\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n",
			"package p\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n\t\"os\"\n)\n",
		},
		{
			"after the last, keeping its comment",
			"package p\n\nimport (\n\t\"fmt\"\n\t\"io\" // streams\n\n\t\"github.com/gin-gonic/gin\"\n)\n",
			"package p\n\nimport (\n\t\"fmt\"\n\t\"io\" // streams\n\t\"net/http\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n",
		},
		{
			"before a documented import",
			"package p\n\nimport (\n\t// the OS\n\t\"os\"\n)\n",
			"package p\n\nimport (\n\t\"net/http\"\n\t// the OS\n\t\"os\"\n)\n",
		},
		{
			"only third-party imports",
			"package p\n\nimport (\n\t\"github.com/gin-gonic/gin\"\n)\n",
			"package p\n\nimport (\n\t\"net/http\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n",
		},
		{
			"a single import",
			"package p\n\nimport \"github.com/gin-gonic/gin\"\n",
			"package p\n\nimport \"github.com/gin-gonic/gin\"\n\nimport \"net/http\"\n",
		},
		{
			"no imports",
			"package p\n\nvar x int\n",
			"package p\n\nimport \"net/http\"\n\nvar x int\n",
		},
		{
			"cgo group skipped",
			"package p\n\nimport (\n\t\"C\"\n)\n\nimport (\n\t\"os\"\n)\n",
			"package p\n\nimport (\n\t\"C\"\n)\n\nimport (\n\t\"net/http\"\n\t\"os\"\n)\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "p.go", tt.src, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			tf := fset.File(f.Pos())
			e := importEdit(tf, []byte(tt.src), f, "net/http")
			start, end := tf.Offset(e.Pos), tf.Offset(e.End)
			got := tt.src[:start] + string(e.NewText) + tt.src[end:]
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestListStmt(t *testing.T) {
	const src = `package p

func f(c, d int) {
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
}

var v = g(9)

func g(int) int { return 0 }
`
	// The statement before which each call's fix goes, by its argument.
	want := map[string]string{
		"1": "x := g(1)",
		"2": "if y := g(2); y > 0 {",
		"3": "if y := g(2); y > 0 {",
		"4": "switch g(4) {",
		"5": "switch g(4) {",
		"6": "g(6)",
		"7": "L:",
		"8": "g(8) }()",
		"9": "",
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	ins := inspector.New([]*ast.File{f})
	for cur := range ins.Root().Preorder((*ast.CallExpr)(nil)) {
		call := cur.Node().(*ast.CallExpr)
		if len(call.Args) != 1 {
			continue
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok {
			continue
		}
		got := ""
		if s := listStmt(cur); s != nil {
			off := fset.Position(s.Pos()).Offset
			end := off
			for end < len(src) && src[end] != '\n' {
				end++
			}
			got = src[off:end]
		}
		if got != want[lit.Value] {
			t.Errorf("g(%s): statement %q, want %q", lit.Value, got, want[lit.Value])
		}
	}
}
