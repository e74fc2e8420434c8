// Package gintypes holds the type predicates the ginleak analyzers share:
// what is a *gin.Context, a router, a gin or net/http handler. They match by
// package path and type name, so the real gin module, a vendored copy and
// the test stub are all recognised, and aliases are looked through.
package gintypes

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// GinPath is the import path of gin.
const GinPath = "github.com/gin-gonic/gin"

// HTTPPath is the import path of net/http.
const HTTPPath = "net/http"

// pkgPath strips a vendor prefix so vendored copies match.
func pkgPath(p *types.Package) string {
	if p == nil {
		return ""
	}
	path := p.Path()
	if i := strings.LastIndex(path, "/vendor/"); i >= 0 {
		path = path[i+len("/vendor/"):]
	}
	return path
}

// IsNamed reports whether t (after aliases) is the named type path.name.
func IsNamed(t types.Type, path, name string) bool {
	if t == nil {
		return false
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	obj := n.Obj()
	return obj.Name() == name && pkgPath(obj.Pkg()) == path
}

// IsPointerTo reports whether t is *path.name.
func IsPointerTo(t types.Type, path, name string) bool {
	if t == nil {
		return false
	}
	p, ok := types.Unalias(t).(*types.Pointer)
	return ok && IsNamed(p.Elem(), path, name)
}

// IsGinContext reports whether t is *gin.Context.
func IsGinContext(t types.Type) bool { return IsPointerTo(t, GinPath, "Context") }

// IsGinRouter reports whether t is a gin router: *gin.Engine,
// *gin.RouterGroup, gin.IRoutes or gin.IRouter.
func IsGinRouter(t types.Type) bool {
	return IsPointerTo(t, GinPath, "Engine") || IsPointerTo(t, GinPath, "RouterGroup") ||
		IsNamed(t, GinPath, "IRoutes") || IsNamed(t, GinPath, "IRouter")
}

// IsServeMux reports whether t is *http.ServeMux.
func IsServeMux(t types.Type) bool { return IsPointerTo(t, HTTPPath, "ServeMux") }

// ImportsGinOrHTTP reports whether pkg imports gin or net/http directly.
// Most analyzers skip other packages: they cannot contain handlers.
func ImportsGinOrHTTP(pkg *types.Package) bool {
	for _, imp := range pkg.Imports() {
		switch pkgPath(imp) {
		case GinPath, HTTPPath:
			return true
		}
	}
	return pkgPath(pkg) == GinPath || pkgPath(pkg) == HTTPPath
}

// HandlerKind tells what kind of request handler a function signature is.
type HandlerKind int

// The handler kinds.
const (
	NotHandler  HandlerKind = iota
	GinHandler              // func(*gin.Context)
	HTTPHandler             // func(http.ResponseWriter, *http.Request)
)

// KindOf classifies sig as a gin handler, a net/http handler or neither.
func KindOf(sig *types.Signature) HandlerKind {
	if sig == nil {
		return NotHandler
	}
	params := sig.Params()
	switch {
	case params.Len() == 1 && IsGinContext(params.At(0).Type()):
		return GinHandler
	case params.Len() == 2 && IsNamed(params.At(0).Type(), HTTPPath, "ResponseWriter") &&
		IsPointerTo(params.At(1).Type(), HTTPPath, "Request"):
		return HTTPHandler
	}
	return NotHandler
}

// FuncSignature returns the signature of a FuncDecl or FuncLit, or nil.
func FuncSignature(info *types.Info, fn ast.Node) *types.Signature {
	switch fn := fn.(type) {
	case *ast.FuncDecl:
		if obj, ok := info.Defs[fn.Name].(*types.Func); ok {
			sig, _ := obj.Type().(*types.Signature)
			return sig
		}
	case *ast.FuncLit:
		sig, _ := info.TypeOf(fn).(*types.Signature)
		return sig
	}
	return nil
}

// FuncBody returns the body of a FuncDecl or FuncLit, or nil.
func FuncBody(fn ast.Node) *ast.BlockStmt {
	switch fn := fn.(type) {
	case *ast.FuncDecl:
		return fn.Body
	case *ast.FuncLit:
		return fn.Body
	}
	return nil
}

// Callee returns the function or method a call statically calls, or nil
// (calls of function values, conversions and builtins).
func Callee(info *types.Info, call *ast.CallExpr) *types.Func {
	fn, _ := typeutil.Callee(info, call).(*types.Func)
	return fn
}

// IsFunc reports whether fn is the package-level function path.name.
func IsFunc(fn *types.Func, path string, names ...string) bool {
	if fn == nil || pkgPath(fn.Pkg()) != path {
		return false
	}
	if sig, ok := fn.Type().(*types.Signature); !ok || sig.Recv() != nil {
		return false
	}
	for _, n := range names {
		if fn.Name() == n {
			return true
		}
	}
	return false
}

// IsMethod reports whether fn is a method named one of names whose receiver
// type (pointer or not) satisfies recv.
func IsMethod(fn *types.Func, recv func(types.Type) bool, names ...string) bool {
	if fn == nil {
		return false
	}
	sig, ok := fn.Type().(*types.Signature)
	if !ok || sig.Recv() == nil {
		return false
	}
	matched := false
	for _, n := range names {
		if fn.Name() == n {
			matched = true
			break
		}
	}
	if !matched {
		return false
	}
	rt := sig.Recv().Type()
	if recv(rt) {
		return true
	}
	// Methods promoted from an embedded type are reported with the embedded
	// receiver; a pointer receiver *T is also matched by a predicate on T.
	if p, ok := types.Unalias(rt).(*types.Pointer); ok && recv(p.Elem()) {
		return true
	}
	return recv(types.NewPointer(rt))
}

// IsContextMethod reports whether call is c.<name>(...) on a *gin.Context.
func IsContextMethod(info *types.Info, call *ast.CallExpr, names ...string) bool {
	return IsMethod(Callee(info, call), IsGinContext, names...)
}

// Unparen strips parentheses.
func Unparen(e ast.Expr) ast.Expr { return ast.Unparen(e) }

// ObjectOf returns the object an identifier or selector expression denotes.
func ObjectOf(info *types.Info, e ast.Expr) types.Object {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return info.ObjectOf(e)
	case *ast.SelectorExpr:
		return info.ObjectOf(e.Sel)
	}
	return nil
}

// IsPackageLevel reports whether v is a package-level variable.
func IsPackageLevel(v *types.Var) bool {
	return v != nil && !v.IsField() && v.Pkg() != nil && v.Parent() == v.Pkg().Scope()
}

// RequestParam returns the parameter through which a function reaches the
// request it serves: its first *gin.Context parameter (GinHandler), or its
// *http.Request parameter when it also has an http.ResponseWriter one
// (HTTPHandler). Unlike KindOf it accepts helpers with more parameters,
// such as func(c *gin.Context, id string). It returns NotHandler, nil for
// any other signature.
func RequestParam(sig *types.Signature) (HandlerKind, *types.Var) {
	if sig == nil {
		return NotHandler, nil
	}
	params := sig.Params()
	var req *types.Var
	writer := false
	for i := range params.Len() {
		p := params.At(i)
		switch t := p.Type(); {
		case IsGinContext(t):
			return GinHandler, p
		case req == nil && IsPointerTo(t, HTTPPath, "Request"):
			req = p
		case IsNamed(t, HTTPPath, "ResponseWriter"):
			writer = true
		}
	}
	if req != nil && writer {
		return HTTPHandler, req
	}
	return NotHandler, nil
}

// PkgPath is p's import path with any vendor prefix removed, so vendored
// copies of gin and net/http match their real paths.
func PkgPath(p *types.Package) string { return pkgPath(p) }

// IsRequest reports whether t is http.Request or *http.Request.
func IsRequest(t types.Type) bool {
	return IsPointerTo(t, HTTPPath, "Request") || IsNamed(t, HTTPPath, "Request")
}

// SharesBody reports whether e is r.WithContext(...) or r.Clone(...) (or
// its dereference): a new request value that still reads the old body, so
// assigning it does not restore a body that was read.
func SharesBody(info *types.Info, e ast.Expr) bool {
	e = ast.Unparen(e)
	if star, ok := e.(*ast.StarExpr); ok {
		e = ast.Unparen(star.X)
	}
	call, ok := e.(*ast.CallExpr)
	if !ok {
		// c.Request = req: req may well be a new request with its own
		// body; without data flow, give the benefit of the doubt.
		return false
	}
	return IsMethod(Callee(info, call), IsRequest, "WithContext", "Clone")
}

// IsTestFile reports whether f is a _test.go file. Rules that test code
// legitimately trips (fixture credentials, test servers) skip them.
func IsTestFile(fset *token.FileSet, f *ast.File) bool {
	tf := fset.File(f.FileStart)
	return tf != nil && strings.HasSuffix(tf.Name(), "_test.go")
}

// IsRequestBody reports whether e is the Body field of an http.Request
// (r.Body, c.Request.Body).
func IsRequestBody(info *types.Info, e ast.Expr) bool {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Body" {
		return false
	}
	if s := info.Selections[sel]; s == nil || s.Kind() != types.FieldVal {
		return false
	}
	return IsRequest(info.TypeOf(sel.X))
}
