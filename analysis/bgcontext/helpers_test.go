package bgcontext

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"testing"

	"github.com/ginleak/ginleak/analysis/gintypes"
)

func TestCallName(t *testing.T) {
	tests := []struct{ call, want string }{
		{"f(x)", "f"},
		{"db.QueryContext(x)", "db.QueryContext"},
		{"s.repo.db.QueryContext(x)", "s.repo.db.QueryContext"},
		{"(db.QueryContext)(x)", "db.QueryContext"},
		{"generic[int](x)", "generic[int]"},
		{"pair[int, string](x)", "pair[int, string]"},
		{"getDB().QueryContext(x)", "getDB().QueryContext"},
		{"func(ctx context.Context) {}(x)", "a function literal"},
		{"fs[0](x)", "fs[0]"},
		{"fns()(x)", "a function value"},
		{"aVeryLongReceiverName.withAnotherLongField.andYetAnotherOne.Load(x)", "….Load"},
	}
	for _, tt := range tests {
		e, err := parser.ParseExpr(tt.call)
		if err != nil {
			t.Fatalf("%s: %v", tt.call, err)
		}
		call, ok := e.(*ast.CallExpr)
		if !ok {
			t.Fatalf("%s: not a call", tt.call)
		}
		if got := callName(call); got != tt.want {
			t.Errorf("callName(%s) = %q, want %q", tt.call, got, tt.want)
		}
	}
}

// TestRequestParam checks which signatures count as request handlers: the
// shared gintypes predicate the rule relies on.
func TestRequestParam(t *testing.T) {
	fset := token.NewFileSet()
	// A minimal gin package: only the path and the type name matter.
	gin := types.NewPackage(gintypes.GinPath, "gin")
	ctxName := types.NewTypeName(token.NoPos, gin, "Context", nil)
	types.NewNamed(ctxName, types.NewStruct(nil, nil), nil)
	gin.Scope().Insert(ctxName)
	gin.MarkComplete()

	src := `package p

import (
	"net/http"
	"github.com/gin-gonic/gin"
)

type Ctx = gin.Context

func ginHandler(c *gin.Context)                                     {}
func ginHelper(id string, c *gin.Context) error                     { return nil }
func ginAlias(c *Ctx)                                                {}
func ginValue(c gin.Context)                                         {}
func httpHandler(w http.ResponseWriter, r *http.Request)             {}
func httpSwapped(r *http.Request, w http.ResponseWriter)             {}
func httpHelper(w http.ResponseWriter, r *http.Request, id int)      {}
func requestOnly(r *http.Request)                                    {}
func writerOnly(w http.ResponseWriter)                               {}
func none()                                                          {}
`
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	std := importer.Default()
	conf := types.Config{Importer: importerFunc(func(path string) (*types.Package, error) {
		if path == gintypes.GinPath {
			return gin, nil
		}
		return std.Import(path)
	})}
	pkg, err := conf.Check("p", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		fn    string
		kind  gintypes.HandlerKind
		param string
	}{
		{"ginHandler", gintypes.GinHandler, "c"},
		{"ginHelper", gintypes.GinHandler, "c"},
		{"ginAlias", gintypes.GinHandler, "c"},
		{"ginValue", gintypes.NotHandler, ""},
		{"httpHandler", gintypes.HTTPHandler, "r"},
		{"httpSwapped", gintypes.HTTPHandler, "r"},
		{"httpHelper", gintypes.HTTPHandler, "r"},
		{"requestOnly", gintypes.NotHandler, ""},
		{"writerOnly", gintypes.NotHandler, ""},
		{"none", gintypes.NotHandler, ""},
	}
	for _, tt := range tests {
		fn, ok := pkg.Scope().Lookup(tt.fn).(*types.Func)
		if !ok {
			t.Fatalf("%s not found", tt.fn)
		}
		kind, param := gintypes.RequestParam(fn.Type().(*types.Signature))
		name := ""
		if param != nil {
			name = param.Name()
		}
		if kind != tt.kind || name != tt.param {
			t.Errorf("RequestParam(%s) = %v, %q; want %v, %q", tt.fn, kind, name, tt.kind, tt.param)
		}
	}
	if kind, param := gintypes.RequestParam(nil); kind != gintypes.NotHandler || param != nil {
		t.Errorf("RequestParam(nil) = %v, %v", kind, param)
	}
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }
