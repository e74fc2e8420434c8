package globalcache

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"testing"
)

func TestKindOf(t *testing.T) {
	syncPkg := types.NewPackage("sync", "sync")
	syncMap := types.NewNamed(types.NewTypeName(token.NoPos, syncPkg, "Map", nil), types.NewStruct(nil, nil), nil)
	str := types.Typ[types.String]
	m := types.NewMap(str, str)
	local := types.NewPackage("p", "p")
	named := func(name string, u types.Type) types.Type {
		return types.NewNamed(types.NewTypeName(token.NoPos, local, name, nil), u, nil)
	}
	st := types.NewStruct([]*types.Var{types.NewField(token.NoPos, local, "m", m, false)}, nil)
	for _, tc := range []struct {
		name string
		t    types.Type
		want kind
	}{
		{"nil", nil, kindNone},
		{"map", m, kindMap},
		{"named map", named("Cache", m), kindMap},
		{"alias of map", types.NewAlias(types.NewTypeName(token.NoPos, local, "M", nil), m), kindMap},
		{"slice", types.NewSlice(str), kindSlice},
		{"sync.Map", syncMap, kindSyncMap},
		{"*sync.Map", types.NewPointer(syncMap), kindSyncMap},
		{"struct", st, kindStruct},
		{"*named struct", types.NewPointer(named("Server", st)), kindStruct},
		{"array", types.NewArray(m, 4), kindNone},
		{"*map", types.NewPointer(m), kindNone},
		{"string", str, kindNone},
		{"chan", types.NewChan(types.SendRecv, str), kindNone},
	} {
		if got := kindOf(tc.t); got != tc.want {
			t.Errorf("kindOf(%s) = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestDeclName(t *testing.T) {
	src := `package p
func F() {}
func (s S) V() {}
func (s *S) P() {}
func (b box[T]) G() {}
func (b *pair[K, V]) H() {}
func (*(S)) Q() {}
`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"F", "S.V", "S.P", "box.G", "pair.H", "S.Q"}
	var got []string
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			got = append(got, declName(fd))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("declName #%d = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestUp(t *testing.T) {
	x := ast.NewIdent("m")
	p1 := &ast.ParenExpr{X: x}
	p2 := &ast.ParenExpr{X: p1}
	ix := &ast.IndexExpr{X: p2, Index: ast.NewIdent("k")}
	stack := []ast.Node{ix, p2, p1, x}
	parent, child, pi := up(stack, 3)
	if parent != ast.Node(ix) || child != ast.Node(p2) || pi != 0 {
		t.Errorf("up through parens = %T, %T, %d; want the index expression, the outer paren, 0", parent, child, pi)
	}
	if parent, child, pi := up(stack[:1], 0); parent != nil || child != ast.Node(ix) || pi != -1 {
		t.Errorf("up at the root = %v, %v, %d; want nil, root, -1", parent, child, pi)
	}
}
