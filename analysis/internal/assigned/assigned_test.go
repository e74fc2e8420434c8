package assigned

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"testing"
)

func TestTracker(t *testing.T) {
	const decls = "package p\n\ntype S struct{ T, U int }\n\ntype R struct{ T int }\n\ntype H struct{ srv, other *S }\n\n"
	tests := []struct {
		name, src       string
		inLit, setLater bool
	}{
		{"set in the literal", "func f() { _ = S{T: 1} }", true, false},
		{"unkeyed", "func f() { _ = S{1, 2} }", true, false},
		{"other field", "func f() { x := S{U: 1}; x.U = 2 }", false, false},
		{"assigned later", "func f() { x := S{}; x.T = 1 }", false, true},
		{"address, parenthesised", "func f() { x := (&S{}); (x).T = 1 }", false, true},
		{"var spec", "func f() { var x = S{}; x.T = 1 }", false, true},
		{"assigned before", "func f() { var x S; x.T = 1; x = S{}; _ = x }", false, false},
		{"other variable", "func f() { x, y := S{}, S{}; y.T = 1; _ = x }", false, false},
		{"field path", "func f(h *H) { h.srv = &S{}; h.srv.T = 1 }", false, true},
		{"other field path", "func f(h *H) { h.srv = &S{}; h.other.T = 1 }", false, false},
		{"through a pointer", "func f(p *S) { *p = S{}; p.T = 1 }", false, true},
		{"not stored", "func f() S { x := f(); x.T = 1; return S{} }", false, false},
		{"package level, set before in the file", "func init() { v.T = 1 }\n\nvar v = &S{}", false, true},
		{"not a literal of interest", "func f() { x := R{}; x.T = 1 }", false, false},
		{"tuple assignment", "func f() { var x, y S; x, y = S{}, S{}; x.T = 1; _ = y }", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "p.go", decls+tt.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}}
			conf := types.Config{Error: func(error) {}}
			pkg, _ := conf.Check("p", fset, []*ast.File{f}, info)
			isS := func(lit *ast.CompositeLit) bool {
				s := pkg.Scope().Lookup("S").Type()
				return types.Identical(info.TypeOf(lit), s)
			}
			tr := New(info, isS, "p", "T")
			var first *ast.CompositeLit // the first literal in a function
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					tr.Assign(n)
				case *ast.ValueSpec:
					tr.ValueSpec(n)
				case *ast.CompositeLit:
					if first == nil && n.Pos() > token.Pos(fset.File(f.Pos()).Base()+len(decls)) {
						first = n
					}
				}
				return true
			})
			if first == nil {
				t.Fatal("no literal")
			}
			if got := tr.SetInLiteral(first); got != tt.inLit {
				t.Errorf("SetInLiteral = %v, want %v", got, tt.inLit)
			}
			if got := tr.SetLater(first); got != tt.setLater {
				t.Errorf("SetLater = %v, want %v", got, tt.setLater)
			}
		})
	}
}
