package fixutil

import (
	"go/ast"
	"go/format"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/analysis"
)

// apply applies edits to src.
func apply(t *testing.T, fset *token.FileSet, src string, edits []analysis.TextEdit) string {
	t.Helper()
	slices.SortFunc(edits, func(a, b analysis.TextEdit) int { return int(a.Pos - b.Pos) })
	var b strings.Builder
	last := 0
	for _, e := range edits {
		start := fset.Position(e.Pos).Offset
		end := start
		if e.End.IsValid() {
			end = fset.Position(e.End).Offset
		}
		b.WriteString(src[last:start])
		b.Write(e.NewText)
		last = end
	}
	b.WriteString(src[last:])
	out, err := format.Source([]byte(b.String()))
	if err != nil {
		t.Fatalf("fixed source does not parse: %v\n%s", err, b.String())
	}
	return string(out)
}

func TestQualifierAndAddField(t *testing.T) {
	tests := []struct {
		name, src, want string
		ok              bool
	}{{
		name: "imported",
		src:  "package p\n\nimport \"time\"\n\ntype T struct{ A, D time.Duration }\n\nvar v = T{A: 1}\n",
		want: "package p\n\nimport \"time\"\n\ntype T struct{ A, D time.Duration }\n\nvar v = T{A: 1, D: 10 * time.Second}\n",
		ok:   true,
	}, {
		name: "not imported, block",
		src:  "package p\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/x\"\n)\n\nvar _ = fmt.Sprint\nvar _ = x.X\n\ntype T struct{ D int64 }\n\nvar v = T{\n}\n",
		want: "package p\n\nimport (\n\t\"fmt\"\n\t\"time\"\n\n\t\"example.com/x\"\n)\n\nvar _ = fmt.Sprint\nvar _ = x.X\n\ntype T struct{ D int64 }\n\nvar v = T{\n\tD: 10 * time.Second,\n}\n",
		ok:   true,
	}, {
		name: "no imports",
		src:  "package p\n\ntype T struct{ D int64 }\n\nvar v = T{}\n",
		want: "package p\n\nimport \"time\"\n\ntype T struct{ D int64 }\n\nvar v = T{D: 10 * time.Second}\n",
		ok:   true,
	}, {
		name: "lone import after time",
		src:  "package p\n\nimport \"unicode\"\n\nvar _ = unicode.IsLetter\n\ntype T struct{ D int64 }\n\nvar v = T{}\n",
		want: "package p\n\nimport (\n\t\"time\"\n\t\"unicode\"\n)\n\nvar _ = unicode.IsLetter\n\ntype T struct{ D int64 }\n\nvar v = T{D: 10 * time.Second}\n",
		ok:   true,
	}, {
		name: "renamed",
		src:  "package p\n\nimport t0 \"time\"\n\ntype T struct{ D t0.Duration }\n\nvar v = T{}\n",
		want: "package p\n\nimport t0 \"time\"\n\ntype T struct{ D t0.Duration }\n\nvar v = T{D: 10 * t0.Second}\n",
		ok:   true,
	}, {
		name: "dot",
		src:  "package p\n\nimport . \"time\"\n\ntype T struct{ D Duration }\n\nvar v = T{}\n",
		want: "package p\n\nimport . \"time\"\n\ntype T struct{ D Duration }\n\nvar v = T{D: 10 * Second}\n",
		ok:   true,
	}, {
		name: "shadowed",
		src:  "package p\n\nimport \"time\"\n\ntype T struct{ D time.Duration }\n\nfunc f() T {\n\ttime := 1\n\t_ = time\n\treturn T{}\n}\n",
		ok:   false,
	}, {
		name: "name taken, not imported",
		src:  "package p\n\nvar time = 3\n\ntype T struct{ D int64 }\n\nvar v = T{}\n",
		ok:   false,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "p.go", tt.src, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			conf := types.Config{Importer: importer.Default(), Error: func(error) {}}
			pkg, _ := conf.Check("p", fset, []*ast.File{f}, nil)
			var lit *ast.CompositeLit
			ast.Inspect(f, func(n ast.Node) bool {
				if l, ok := n.(*ast.CompositeLit); ok {
					lit = l // the last one: the value under test
				}
				return true
			})
			qual, edits, ok := Qualifier(pkg, f, lit.Lbrace, "time", "Second")
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			edits = append(edits, AddField(fset.File(lit.Pos()), lit, "D: 10 * "+qual+"Second"))
			if got := apply(t, fset, tt.src, edits); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
