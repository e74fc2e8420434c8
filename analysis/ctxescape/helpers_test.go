package ctxescape

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"
)

func TestVarNames(t *testing.T) {
	for _, tc := range []struct {
		ids         []string
		subject, c0 string
	}{
		{[]string{"c"}, "*gin.Context c is", "c"},
		{[]string{"c", "c", "c"}, "*gin.Context c is", "c"},
		{[]string{"c", "d"}, "*gin.Context values c and d are", "c"},
		{[]string{"d", "c", "d", "e"}, "*gin.Context values d, c and e are", "d"},
	} {
		var ids []*ast.Ident
		for _, n := range tc.ids {
			ids = append(ids, ast.NewIdent(n))
		}
		subject, c0 := varNames(ids)
		if subject != tc.subject || c0 != tc.c0 {
			t.Errorf("varNames(%v) = %q, %q; want %q, %q", tc.ids, subject, c0, tc.subject, tc.c0)
		}
	}
}

// TestReturnsBetween marks the range with /*from*/ and /*to*/ comments.
func TestReturnsBetween(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       bool
	}{
		{"none", `/*from*/ x(); /*to*/ y(); return`, false},
		{"plain", `/*from*/ x(); return; /*to*/ y()`, true},
		{"in if", `/*from*/ if ok { return }; /*to*/ y()`, true},
		{"in select", `/*from*/ select { case <-ch: return; default: }; /*to*/ y()`, true},
		{"before", `return; /*from*/ x(); /*to*/ y()`, false},
		{"after", `/*from*/ x(); /*to*/ y(); return`, false},
		{"func literal", `/*from*/ f := func() { return }; _ = f; /*to*/ y()`, false},
		{"return at to", `/*from*/ x(); /*to*/ return`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "package p\nfunc f() {\n" + strings.ReplaceAll(tc.body, "; ", "\n") + "\n}\n"
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "p.go", src, 0)
			if err != nil {
				t.Fatal(err)
			}
			tf := fset.File(f.Pos())
			from := tf.Pos(strings.Index(src, "/*from*/"))
			to := tf.Pos(strings.Index(src, "/*to*/") + len("/*to*/ "))
			body := f.Decls[0].(*ast.FuncDecl).Body
			if got := returnsBetween(body, from, to); got != tc.want {
				t.Errorf("returnsBetween = %v, want %v\n%s", got, tc.want, src)
			}
		})
	}
}

func TestRoot(t *testing.T) {
	const src = `package p

type S struct {
	v  int
	p  *S
	a  [2]int
	s  []int
	m  map[string]int
	in struct{ v int }
}

var global S

func f(val S, ptr *S, arr [2]S, arrp *[2]S) {
	_ = global.v
	_ = val.v
	_ = val.in.v
	_ = val.a[0]
	_ = val.p.v
	_ = val.s[0]
	_ = val.m["k"]
	_ = ptr.v
	_ = (*ptr).v
	_ = arr[0].v
	_ = arrp[0].v
	_ = f
	_ = g().v
}

func g() S { return S{} }
`
	want := map[string]struct {
		root     string
		indirect bool
	}{
		"global.v":   {"global", false},
		"val.v":      {"val", false},
		"val.in.v":   {"val", false},
		"val.a[0]":   {"val", false},
		"val.p.v":    {"val", true},
		"val.s[0]":   {"val", true},
		`val.m["k"]`: {"val", true},
		"ptr.v":      {"ptr", true},
		"(*ptr).v":   {"ptr", true},
		"arr[0].v":   {"arr", false},
		"arrp[0].v":  {"arrp", true},
		"f":          {"", false}, // a function, not a variable
		"g().v":      {"", false},
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	info := &types.Info{
		Types:      make(map[ast.Expr]types.TypeAndValue),
		Defs:       make(map[*ast.Ident]types.Object),
		Uses:       make(map[*ast.Ident]types.Object),
		Selections: make(map[*ast.SelectorExpr]*types.Selection),
	}
	if _, err := new(types.Config).Check("p", fset, []*ast.File{file}, info); err != nil {
		t.Fatal(err)
	}
	a := &checker{info: info}
	seen := 0
	ast.Inspect(file, func(n ast.Node) bool {
		as, ok := n.(*ast.AssignStmt)
		if !ok {
			return true
		}
		e := as.Rhs[0]
		key := types.ExprString(e)
		w, ok := want[key]
		if !ok {
			t.Errorf("no expectation for %s", key)
			return false
		}
		seen++
		v, indirect := a.root(e)
		name := ""
		if v != nil {
			name = v.Name()
		}
		if name != w.root || (v != nil && indirect != w.indirect) {
			t.Errorf("root(%s) = %q, %v; want %q, %v", key, name, indirect, w.root, w.indirect)
		}
		return false
	})
	if seen != len(want) {
		t.Errorf("checked %d expressions, want %d", seen, len(want))
	}
}
