package doublebind

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"
)

// longHandler is a generated-looking handler body of n statements, every
// third one a raw read of r.Body, with early returns between them.
func longHandler(t testing.TB, n int) (*ast.BlockStmt, []*read) {
	t.Helper()
	var b strings.Builder
	b.WriteString("package p\nfunc h() {\n")
	for i := range n {
		switch i % 3 {
		case 0:
			fmt.Fprintf(&b, "\tread(r.Body)\n")
		case 1:
			fmt.Fprintf(&b, "\tif x%d { return }\n", i)
		default:
			fmt.Fprintf(&b, "\tuse(%d)\n", i)
		}
	}
	b.WriteString("}\n")
	f, err := parser.ParseFile(token.NewFileSet(), "h.go", b.String(), 0)
	if err != nil {
		t.Fatal(err)
	}
	body := f.Decls[0].(*ast.FuncDecl).Body
	var reads []*read
	ast.Inspect(body, func(n ast.Node) bool {
		if call, ok := n.(*ast.CallExpr); ok && call.Fun.(*ast.Ident).Name == "read" {
			reads = append(reads, &read{call: call, req: "r", kind: raw})
		}
		return true
	})
	return body, reads
}

// work runs checkFunc's search over a handler of n statements and returns
// the graph nodes scanned and the reads reported.
func work(t testing.TB, n int) (scanned, reported int) {
	body, reads := longHandler(t, n)
	info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}, Defs: map[*ast.Ident]types.Object{}}
	f := newFlow(info, body, reads)
	gotos := hasGoto(body)
	for j := range reads {
		if firstReaching(f, reads, j, gotos) != nil {
			reported++
		}
	}
	return f.scanned, reported
}

// TestSearchIsLinear: the search used to try, for a read no earlier read
// reaches, every later read over the rest of the function: quadratic in a
// long generated handler (an 8 MB file took minutes).
func TestSearchIsLinear(t *testing.T) {
	s1, r1 := work(t, 3000)
	s2, r2 := work(t, 6000)
	if r1 != 999 || r2 != 1999 {
		t.Fatalf("reported %d and %d reads, want every read but the first (999, 1999)", r1, r2)
	}
	if s2 > 3*s1 {
		t.Errorf("twice the statements scanned %d nodes against %d: %.1f×, want about 2× (linear)", s2, s1, float64(s2)/float64(s1))
	}
}

func BenchmarkLongHandler(b *testing.B) {
	for b.Loop() {
		work(b, 12000)
	}
}
