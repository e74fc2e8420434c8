package callfacts

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"testing"

	"golang.org/x/tools/go/analysis"
)

const src = `package p

type S struct{}

func (*S) M(a int, b ...string) {}
func (S) V()                    {}
func F(a, b int)                {}
func G(a int, rest ...any)      {}
`

func check(t *testing.T) (*token.FileSet, *types.Package, *ast.File) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "dir/p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := (&types.Config{Importer: importer.Default()}).Check("example.com/m/p", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fset, pkg, f
}

func TestParamOf(t *testing.T) {
	_, pkg, _ := check(t)
	sigOf := func(name string) *types.Signature {
		return pkg.Scope().Lookup(name).Type().(*types.Signature)
	}
	for _, tc := range []struct {
		fn   string
		i    int
		want int
	}{
		{"F", 0, 0}, {"F", 1, 1}, {"F", 2, -1}, {"F", -1, -1},
		{"G", 0, 0}, {"G", 1, -1}, {"G", 5, -1}, // the variadic tail is a slice
	} {
		if got := ParamOf(sigOf(tc.fn), tc.i); got != tc.want {
			t.Errorf("ParamOf(%s, %d) = %d, want %d", tc.fn, tc.i, got, tc.want)
		}
	}
}

func TestFuncName(t *testing.T) {
	_, pkg, _ := check(t)
	other := types.NewPackage("example.com/m/q", "q")
	s := pkg.Scope().Lookup("S").Type().(*types.Named)
	var m, v *types.Func
	for i := range s.NumMethods() {
		switch s.Method(i).Name() {
		case "M":
			m = s.Method(i)
		case "V":
			v = s.Method(i)
		}
	}
	f := pkg.Scope().Lookup("F").(*types.Func)
	for _, tc := range []struct {
		fn   *types.Func
		from *types.Package
		want string
	}{
		{f, pkg, "F"}, {f, other, "p.F"}, {f, nil, "p.F"},
		{m, pkg, "S.M"}, {m, other, "p.S.M"}, {v, pkg, "S.V"},
	} {
		if got := FuncName(tc.fn, tc.from); got != tc.want {
			t.Errorf("FuncName(%s, %v) = %q, want %q", tc.fn.Name(), tc.from, got, tc.want)
		}
	}
}

func TestSameModule(t *testing.T) {
	in := types.NewPackage("example.com/m/q", "q")
	root := types.NewPackage("example.com/m", "m")
	prefix := types.NewPackage("example.com/mother/q", "q")
	lib := types.NewPackage("github.com/lib/x", "x")
	for _, tc := range []struct {
		module string
		pkg    *types.Package
		want   bool
	}{
		{"example.com/m", in, true},
		{"example.com/m", root, true},
		{"example.com/m", prefix, false}, // a path prefix is not a module prefix
		{"example.com/m", lib, false},
		{"example.com/m", nil, false},
		{"", lib, true}, // GOPATH mode: no module to compare with
	} {
		pass := &analysis.Pass{Module: &analysis.Module{Path: tc.module}}
		if got := SameModule(pass, tc.pkg); got != tc.want {
			t.Errorf("SameModule(%q, %v) = %v, want %v", tc.module, tc.pkg, got, tc.want)
		}
	}
	if !SameModule(&analysis.Pass{}, lib) {
		t.Error("SameModule without module information = false, want true")
	}
}

func TestSite(t *testing.T) {
	fset, _, f := check(t)
	fd := f.Decls[len(f.Decls)-1].(*ast.FuncDecl)
	if got := Site(fset, fd.Pos()); got != "p.go:8" {
		t.Errorf("Site = %q, want p.go:8", got)
	}
	if got := Site(fset, token.NoPos); got != "?" {
		t.Errorf("Site(NoPos) = %q, want ?", got)
	}
}
