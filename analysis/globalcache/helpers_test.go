package globalcache

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"

	"github.com/ginleak/ginleak/analysis/internal/callfacts"
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
			got = append(got, callfacts.DeclName(fd))
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

func TestGoCall(t *testing.T) {
	src := `package p
func f() {
	go g()
	go s.m()
	g()
	defer g()
	go h(g)
	go func() { g() }()
}`
	f, err := parser.ParseFile(token.NewFileSet(), "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	// want is, for each identifier named g or m in source order, whether it
	// is the function a go statement starts.
	want := []bool{true, true, false, false, false, false}
	var got []bool
	var stack []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		if id, ok := n.(*ast.Ident); ok && (id.Name == "g" || id.Name == "m") {
			got = append(got, goCall(stack))
		}
		return true
	})
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("identifier #%d: goCall = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestIsFresh(t *testing.T) {
	// Each var in f is initialised with one case, in order.
	cases := []struct {
		expr string
		want bool
	}{
		{"map[string]int{}", true},
		{"make(map[string]int)", true},
		{"make([]int, 0, 8)", true},
		{"[]int(nil)", true},
		{"&sync.Map{}", true},
		{"new(sync.Map)", true},
		{"M(make(M))", true},
		{"append([]int{}, 1)", true},
		{"maps.Clone(shared)", true},
		{"slices.Clone(list)", true},
		{"(map[string]int{})", true},
		{"shared", false},
		{"param", false},
		{"M(shared)", false},
		{"append(list, 1)", false},
		{"get()", false},
		{"holder.m", false},
		{"&holder", false},
	}
	var b strings.Builder
	b.WriteString(`package p
import ("maps"; "slices"; "sync")
type M map[string]int
var shared = map[string]int{}
var list []int
var holder struct{ m map[string]int }
func get() map[string]int { return shared }
func f(param map[string]int) {
`)
	for i, c := range cases {
		fmt.Fprintf(&b, "\tvar v%d = %s\n\t_ = v%d\n", i, c.expr, i)
	}
	b.WriteString("}\n")
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", b.String(), 0)
	if err != nil {
		t.Fatal(err)
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{},
		Uses: map[*ast.Ident]types.Object{},
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	if _, err := conf.Check("p", fset, []*ast.File{f}, info); err != nil {
		t.Fatal(err)
	}
	w := &walker{info: info}
	i := 0
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || !strings.HasPrefix(vs.Names[0].Name, "v") || len(vs.Values) != 1 {
			return true
		}
		if got := w.isFresh(vs.Values[0]); got != cases[i].want {
			t.Errorf("isFresh(%s) = %v, want %v", cases[i].expr, got, cases[i].want)
		}
		i++
		return true
	})
	if i != len(cases) {
		t.Fatalf("checked %d cases, want %d", i, len(cases))
	}
	if w.isFresh(nil) {
		t.Error("isFresh(nil) = true")
	}
}

func TestHandlerValued(t *testing.T) {
	httpPkg := types.NewPackage("net/http", "http")
	ginPkg := types.NewPackage("github.com/gin-gonic/gin", "gin")
	named := func(p *types.Package, name string, u types.Type) *types.Named {
		return types.NewNamed(types.NewTypeName(token.NoPos, p, name, nil), u, nil)
	}
	rw := named(httpPkg, "ResponseWriter", types.NewInterfaceType(nil, nil))
	req := named(httpPkg, "Request", types.NewStruct(nil, nil))
	ctx := named(ginPkg, "Context", types.NewStruct(nil, nil))
	sig := func(params ...types.Type) *types.Signature {
		var vs []*types.Var
		for _, p := range params {
			vs = append(vs, types.NewParam(token.NoPos, nil, "", p))
		}
		return types.NewSignatureType(nil, nil, nil, types.NewTuple(vs...), nil, false)
	}
	httpFunc := sig(rw, types.NewPointer(req))
	ginFunc := sig(types.NewPointer(ctx))
	for _, tc := range []struct {
		name string
		t    types.Type
		want bool
	}{
		{"nil", nil, false},
		{"http.Handler", named(httpPkg, "Handler", types.NewInterfaceType(nil, nil)), true},
		{"http.HandlerFunc", named(httpPkg, "HandlerFunc", httpFunc), true},
		{"gin.HandlerFunc", named(ginPkg, "HandlerFunc", ginFunc), true},
		{"func(*gin.Context)", ginFunc, true},
		{"func(http.ResponseWriter, *http.Request)", httpFunc, true},
		{"func(string)", sig(types.Typ[types.String]), false},
		{"http.Request", req, false},
		{"map", types.NewMap(types.Typ[types.String], types.Typ[types.Int]), false},
	} {
		if got := handlerValued(tc.t); got != tc.want {
			t.Errorf("handlerValued(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestRegisters(t *testing.T) {
	httpPkg := types.NewPackage("net/http", "http")
	ginPkg := types.NewPackage("github.com/gin-gonic/gin", "gin")
	other := types.NewPackage("example.com/router", "router")
	fn := func(p *types.Package, name string) *types.Func {
		return types.NewFunc(token.NoPos, p, name, types.NewSignatureType(nil, nil, nil, nil, nil, false))
	}
	named := func(p *types.Package, name string) *types.Named {
		return types.NewNamed(types.NewTypeName(token.NoPos, p, name, nil), types.NewStruct(nil, nil), nil)
	}
	engine, group, mux := named(ginPkg, "Engine"), named(ginPkg, "RouterGroup"), named(httpPkg, "ServeMux")
	method := func(recv types.Type, n *types.Named, name string) *types.Func {
		r := types.NewParam(token.NoPos, nil, "r", recv)
		return types.NewFunc(token.NoPos, n.Obj().Pkg(), name, types.NewSignatureType(r, nil, nil, nil, nil, false))
	}
	ptrMethod := func(n *types.Named, name string) *types.Func { return method(types.NewPointer(n), n, name) }
	iroutes := named(ginPkg, "IRoutes")
	for _, tc := range []struct {
		name string
		fn   *types.Func
		want bool
	}{
		{"nil", nil, false},
		{"http.Handle", fn(httpPkg, "Handle"), true},
		{"http.HandleFunc", fn(httpPkg, "HandleFunc"), true},
		{"http.ListenAndServe", fn(httpPkg, "ListenAndServe"), true},
		{"http.Serve", fn(httpPkg, "Serve"), true},
		{"http.Get", fn(httpPkg, "Get"), false},
		{"router.Handle", fn(other, "Handle"), false},
		{"(*gin.Engine).Use", ptrMethod(engine, "Use"), true},
		{"(*gin.RouterGroup).GET", ptrMethod(group, "GET"), true},
		{"(*http.ServeMux).Handle", ptrMethod(mux, "Handle"), true},
		{"gin.IRoutes.POST", method(iroutes, iroutes, "POST"), true},
		{"(*router.Mux).Handle", ptrMethod(named(other, "Mux"), "Handle"), false},
	} {
		if got := registers(tc.fn); got != tc.want {
			t.Errorf("registers(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDeclFunc(t *testing.T) {
	src := `package p
func outer() {
	a := 1
	f := func() {
		b := a
		_ = b
	}
	_ = f
}`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var stack []ast.Node
	var decl, lit ast.Node
	var posA, posB token.Pos
	var atB []ast.Node
	ast.Inspect(f, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		stack = append(stack, n)
		switch n := n.(type) {
		case *ast.FuncDecl:
			decl = n
		case *ast.FuncLit:
			lit = n
		case *ast.Ident:
			switch {
			case n.Name == "a" && posA == token.NoPos:
				posA = n.Pos()
			case n.Name == "b" && posB == token.NoPos:
				posB = n.Pos()
				atB = append([]ast.Node(nil), stack...)
			}
		}
		return true
	})
	if got := declFunc(atB, posB); got != lit {
		t.Errorf("declFunc(b) = %T, want the func literal", got)
	}
	if got := declFunc(atB, posA); got != decl {
		t.Errorf("declFunc(a) = %T, want the func declaration", got)
	}
	if got := declFunc(atB, token.Pos(1)); got != nil {
		t.Errorf("declFunc(outside) = %T, want nil", got)
	}
}
