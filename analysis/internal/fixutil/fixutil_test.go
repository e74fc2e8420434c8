package fixutil

import (
	"go/ast"
	"go/format"
	"go/importer"
	"go/token"
	"go/types"
	"testing"

	"golang.org/x/tools/go/analysis"

	"github.com/ginleak/ginleak/analysis/internal/ruletest"
)

// apply applies edits to src and formats the result, as ginleak vet -fix
// does.
func apply(t *testing.T, fset *token.FileSet, src string, edits []analysis.TextEdit) string {
	t.Helper()
	f := fset.File(edits[0].Pos)
	out, err := format.Source([]byte(ruletest.ApplyEdits(t, f, src, edits)))
	if err != nil {
		t.Fatalf("fixed source does not parse: %v", err)
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
	}, {
		name: "dot, member shadowed",
		src:  "package p\n\nimport . \"time\"\n\ntype T struct{ D Duration }\n\nfunc f() T {\n\tSecond := 1\n\t_ = Second\n\treturn T{}\n}\n",
		ok:   false,
	}, {
		name: "blank import only",
		src:  "package p\n\nimport _ \"time\"\n\ntype T struct{ D int64 }\n\nvar v = T{}\n",
		want: "package p\n\nimport (\n\t\"time\"\n\t_ \"time\"\n)\n\ntype T struct{ D int64 }\n\nvar v = T{D: 10 * time.Second}\n",
		ok:   true,
	}, {
		name: "renamed before dot",
		src:  "package p\n\nimport (\n\tt0 \"time\"\n\t. \"time\"\n)\n\ntype T struct{ D t0.Duration }\n\nvar _ = Hour\n\nvar v = T{}\n",
		want: "package p\n\nimport (\n\t. \"time\"\n\tt0 \"time\"\n)\n\ntype T struct{ D t0.Duration }\n\nvar _ = Hour\n\nvar v = T{D: 10 * t0.Second}\n", // gofmt sorts the imports
		ok:   true,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fset, _, f := parse(t, tt.src)
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
