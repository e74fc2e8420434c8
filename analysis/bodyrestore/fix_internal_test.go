package bodyrestore

import (
	"go/ast"
	"go/parser"
	"go/token"
	"sort"
	"testing"

	"golang.org/x/tools/go/analysis"
)

// apply applies insertions (Pos == End) to src.
func apply(t *testing.T, tf *token.File, src string, edits []analysis.TextEdit) string {
	t.Helper()
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].Pos > edits[j].Pos })
	for _, e := range edits {
		if e.Pos != e.End {
			t.Fatalf("edit %v is not an insertion", e)
		}
		off := tf.Offset(e.Pos)
		src = src[:off] + string(e.NewText) + src[off:]
	}
	return src
}

func parse(t *testing.T, src string) (*token.File, *ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	return fset.File(f.Pos()), f
}

func TestImportEdits(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		paths     []string
		want      string
	}{
		{
			name:  "none needed",
			src:   "package p\n\nimport (\n\t\"io\"\n)\n",
			paths: nil,
			want:  "package p\n\nimport (\n\t\"io\"\n)\n",
		},
		{
			name:  "sorted among std",
			src:   "package p\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n",
			paths: []string{"bytes", "io"},
			want:  "package p\n\nimport (\n\t\"bytes\"\n\t\"fmt\"\n\t\"io\"\n\t\"net/http\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n",
		},
		{
			name:  "both before the same spec",
			src:   "package p\n\nimport (\n\t\"log\"\n)\n",
			paths: []string{"bytes", "io"},
			want:  "package p\n\nimport (\n\t\"bytes\"\n\t\"io\"\n\t\"log\"\n)\n",
		},
		{
			name:  "after the last std spec keeps its comment",
			src:   "package p\n\nimport (\n\t\"errors\" // why\n\n\t\"github.com/gin-gonic/gin\"\n)\n",
			paths: []string{"io"},
			want:  "package p\n\nimport (\n\t\"errors\" // why\n\t\"io\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n",
		},
		{
			name:  "before a documented spec",
			src:   "package p\n\nimport (\n\t// doc\n\t\"net/http\"\n)\n",
			paths: []string{"io"},
			want:  "package p\n\nimport (\n\t\"io\"\n\t// doc\n\t\"net/http\"\n)\n",
		},
		{
			name:  "third-party only",
			src:   "package p\n\nimport (\n\t\"github.com/gin-gonic/gin\"\n)\n",
			paths: []string{"bytes"},
			want:  "package p\n\nimport (\n\t\"bytes\"\n\n\t\"github.com/gin-gonic/gin\"\n)\n",
		},
		{
			name:  "single import declaration",
			src:   "package p\n\nimport \"net/http\"\n\nvar _ http.Handler\n",
			paths: []string{"bytes", "io"},
			want:  "package p\n\nimport \"net/http\"\nimport \"bytes\"\nimport \"io\"\n\nvar _ http.Handler\n",
		},
		{
			name:  "cgo group is left alone",
			src:   "package p\n\n// #include <stdio.h>\nimport (\n\t\"C\"\n)\nimport \"net/http\"\n",
			paths: []string{"io"},
			want:  "package p\n\n// #include <stdio.h>\nimport (\n\t\"C\"\n)\nimport \"net/http\"\nimport \"io\"\n",
		},
		{
			name:  "no imports",
			src:   "package p\n\nfunc f() {}\n",
			paths: []string{"io"},
			want:  "package p\nimport \"io\"\n\nfunc f() {}\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tf, f := parse(t, tc.src)
			got := apply(t, tf, tc.src, importEdits(tf, []byte(tc.src), f, tc.paths))
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if _, err := parser.ParseFile(token.NewFileSet(), "y.go", got, 0); err != nil {
				t.Errorf("result does not parse: %v", err)
			}
		})
	}
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

func TestIsStd(t *testing.T) {
	for path, want := range map[string]bool{
		"io":                       true,
		"net/http":                 true,
		"C":                        true,
		"github.com/gin-gonic/gin": false,
		"example.com":              false,
		"golang.org/x/sync":        false,
	} {
		if got := isStd(path); got != want {
			t.Errorf("isStd(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestIsSimple(t *testing.T) {
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
		if got := isSimple(e); got != want {
			t.Errorf("isSimple(%s) = %v, want %v", src, got, want)
		}
	}
}
