// Package callfacts holds what the rules that follow a *gin.Context into
// the functions it is passed to share: which imported facts to trust, how
// a call's argument maps to the callee's parameter, and how a fact names a
// place for a message in another package.
//
// Facts flow from a package to the packages that import it, never back,
// in every driver (ginleak vet, go vet -vettool, golangci-lint). A rule
// therefore summarises each function with *gin.Context parameters once,
// from its own body and the summaries of the functions it calls, and a
// caller looks the summary up at the call: one walk per package, no walk
// per call.
package callfacts

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/rule"
)

// Imported returns the object facts of type F that imported functions of
// the analysed module carry, keyed by function (see SameModule).
func Imported[F analysis.Fact](pass *analysis.Pass) map[*types.Func]F {
	out := make(map[*types.Func]F)
	for _, of := range pass.AllObjectFacts() {
		fn, ok := of.Object.(*types.Func)
		f, ok2 := of.Fact.(F)
		if !ok || !ok2 || fn.Pkg() == pass.Pkg || !SameModule(pass, fn.Pkg()) {
			continue
		}
		out[fn] = f
	}
	return out
}

// SameModule reports whether pkg belongs to the module of the package
// being analysed. Facts of other modules are not followed: ginleak vet
// analyses only the module's own packages, so following a library's facts
// under go vet would make the drivers disagree. Without module
// information (GOPATH mode, as in analysistest) every package counts.
func SameModule(pass *analysis.Pass, pkg *types.Package) bool {
	if pkg == nil {
		return false
	}
	m := pass.Module
	if m == nil || m.Path == "" {
		return true
	}
	path := gintypes.PkgPath(pkg)
	return path == m.Path || strings.HasPrefix(path, m.Path+"/")
}

// Site names pos for a message read in another package: "file.go:12".
func Site(fset *token.FileSet, pos token.Pos) string {
	p := fset.Position(pos)
	if !p.IsValid() {
		return "?"
	}
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}

// FuncName names fn for a message: "save" in its own package,
// "audit.Save" or "audit.Service.Save" elsewhere, "Service.Save" for a
// method in its own package.
func FuncName(fn *types.Func, from *types.Package) string {
	name := fn.Name()
	if sig, ok := fn.Type().(*types.Signature); ok && sig.Recv() != nil {
		t := sig.Recv().Type()
		if p, ok := types.Unalias(t).(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := types.Unalias(t).(*types.Named); ok {
			name = n.Obj().Name() + "." + name
		}
	}
	if fn.Pkg() != nil && fn.Pkg() != from {
		name = fn.Pkg().Name() + "." + name
	}
	return name
}

// DeclName names a declared function for a message from its syntax alone:
// "load", or "Store.Load" for a method (pointer, generic and parenthesised
// receivers included).
func DeclName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.ParenExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		}
		break
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// Callee returns the declared function or method a call statically calls
// (the generic origin of an instantiation), or nil.
func Callee(info *types.Info, call *ast.CallExpr) *types.Func {
	fn := gintypes.Callee(info, call)
	if fn == nil {
		return nil
	}
	return fn.Origin()
}

// ParamOf returns the index of the callee parameter that argument i of a
// call with signature sig binds, or -1 for the variadic tail (a slice
// parameter, never a *gin.Context) and out-of-range indexes.
func ParamOf(sig *types.Signature, i int) int {
	n := sig.Params().Len()
	if i < 0 || i >= n || (sig.Variadic() && i == n-1) {
		return -1
	}
	return i
}

// ContextParams returns the indexes of sig's *gin.Context parameters.
func ContextParams(sig *types.Signature) []int {
	var out []int
	for i := range sig.Params().Len() {
		if gintypes.IsGinContext(sig.Params().At(i).Type()) {
			out = append(out, i)
		}
	}
	return out
}

// Silencer tells whether a //ginleak:ignore directive silences a finding
// of the rule at a position, as rule.Reporter decides. A rule asks it
// before it exports a fact that a silenced finding would justify: a
// finding the author declared intended must not reappear at every caller.
type Silencer struct {
	pass       *analysis.Pass
	id         string
	directives []rule.Directive
	parsed     bool
}

// NewSilencer returns a Silencer for the rule with ID id.
func NewSilencer(pass *analysis.Pass, id string) *Silencer {
	return &Silencer{pass: pass, id: id}
}

// Silenced reports whether a directive with a reason on pos's line or the
// line above names the rule.
func (s *Silencer) Silenced(pos token.Pos) bool {
	if !s.parsed {
		s.directives = rule.Directives(s.pass.Fset, s.pass.Files)
		s.parsed = true
	}
	if len(s.directives) == 0 || !pos.IsValid() {
		return false
	}
	tf := s.pass.Fset.File(pos)
	if tf == nil {
		return false
	}
	line := tf.Line(pos)
	for _, d := range s.directives {
		if d.File == tf && (d.Line == line || d.Line == line-1) && d.Reason != "" && d.Matches(s.pass.Analyzer.Name, s.id) {
			return true
		}
	}
	return false
}
