package servertimeout

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/internal/fixutil"
	"github.com/ginleak/ginleak/analysis/rule"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// Analyzer reports http.Server literals without read timeouts and the
// shortcuts that start servers without timeouts.
var Analyzer = &analysis.Analyzer{
	Name:       "servertimeout",
	Doc:        Doc,
	URL:        rule.DocsBase + "servertimeout.md",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: rule.ResultType,
	Run:        run,
}

// Rule is the servertimeout rule's metadata.
var Rule = rule.Rule{
	Analyzer: Analyzer,
	ID:       id,
	Title:    "HTTP server without read timeouts",
	Severity: rule.Warning,
	Since:    "v0.1.0",
}

// id is Rule.ID; run uses it so that Analyzer, run and Rule do not form an
// initialization cycle.
const id = "GL1006"

// readFields are the http.Server fields that bound how long reading a
// request's headers may take (ReadTimeout does when ReadHeaderTimeout is 0).
var readFields = []string{"ReadHeaderTimeout", "ReadTimeout"}

// The shortcuts that build an http.Server with no timeouts and give the
// caller no handle to shut it down.
var (
	httpShortcuts = []string{"ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS"}
	ginShortcuts  = []string{"Run", "RunTLS", "RunUnix", "RunFd", "RunListener"}
)

const slowloris = "a client that sends headers slowly holds a connection and its goroutine forever (slowloris)"

// target names what a literal was assigned to: a variable, or a field path
// below one (s.srv).
type target struct {
	root types.Object
	path string
}

func run(pass *analysis.Pass) (any, error) {
	rep := rule.NewReporter(pass, id)
	if !gintypes.ImportsGinOrHTTP(pass.Pkg) {
		return rep.Result(), nil
	}
	ins, _ := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if ins == nil {
		return rep.Result(), nil
	}
	info := pass.TypesInfo

	type candidate struct {
		lit  *ast.CompositeLit
		file *ast.File
	}
	var (
		cands    []candidate
		file     *ast.File
		boundTo  = make(map[*ast.CompositeLit]target)
		assigned = make(map[target][]token.Pos) // where a read timeout is assigned
	)
	bind := func(lhs, rhs ast.Expr) {
		if lit := serverLit(info, rhs); lit != nil {
			if t, ok := targetOf(info, lhs); ok {
				boundTo[lit] = t
			}
		}
	}
	filter := []ast.Node{
		(*ast.File)(nil), (*ast.AssignStmt)(nil), (*ast.ValueSpec)(nil),
		(*ast.CompositeLit)(nil), (*ast.CallExpr)(nil),
	}
	ins.Nodes(filter, func(n ast.Node, push bool) bool {
		if !push {
			return true
		}
		switch n := n.(type) {
		case *ast.File:
			if isTestFile(pass, n) {
				return false
			}
			file = n
		case *ast.AssignStmt:
			if len(n.Lhs) == len(n.Rhs) {
				for i := range n.Lhs {
					bind(n.Lhs[i], n.Rhs[i])
				}
			}
			for _, lhs := range n.Lhs {
				if x := readFieldOperand(info, lhs); x != nil {
					if t, ok := targetOf(info, x); ok {
						assigned[t] = append(assigned[t], n.Pos())
					}
				}
			}
		case *ast.ValueSpec:
			if len(n.Names) == len(n.Values) {
				for i := range n.Names {
					bind(n.Names[i], n.Values[i])
				}
			}
		case *ast.CompositeLit:
			if isServerLit(info, n) && !setsReadTimeout(n) {
				cands = append(cands, candidate{n, file})
			}
		case *ast.CallExpr:
			if msg := shortcut(info, n); msg != "" {
				rep.Report(analysis.Diagnostic{Pos: n.Pos(), End: n.End(), Message: msg})
			}
		}
		return true
	})

	for _, c := range cands {
		if t, ok := boundTo[c.lit]; ok && assignedLater(t, c.lit.Pos(), assigned[t]) {
			continue
		}
		rep.Report(analysis.Diagnostic{
			Pos:            c.lit.Pos(),
			End:            c.lit.End(),
			Message:        "http.Server literal sets neither ReadHeaderTimeout nor ReadTimeout: " + slowloris + " — set ReadHeaderTimeout",
			SuggestedFixes: timeoutFix(pass, c.file, c.lit),
		})
	}
	return rep.Result(), nil
}

func isTestFile(pass *analysis.Pass, f *ast.File) bool {
	tf := pass.Fset.File(f.FileStart)
	return tf != nil && strings.HasSuffix(tf.Name(), "_test.go")
}

// isServer reports whether t is net/http.Server (aliases looked through).
func isServer(t types.Type) bool { return gintypes.IsNamed(t, gintypes.HTTPPath, "Server") }

// isServerLit reports whether lit is an http.Server literal. An elided
// literal in a []*http.Server has type *http.Server.
func isServerLit(info *types.Info, lit *ast.CompositeLit) bool {
	t := info.TypeOf(lit)
	return isServer(t) || gintypes.IsPointerTo(t, gintypes.HTTPPath, "Server")
}

// isEngine reports whether t is *gin.Engine.
func isEngine(t types.Type) bool { return gintypes.IsPointerTo(t, gintypes.GinPath, "Engine") }

// serverLit returns the http.Server literal e is, or takes the address of.
func serverLit(info *types.Info, e ast.Expr) *ast.CompositeLit {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = ast.Unparen(u.X)
	}
	lit, ok := e.(*ast.CompositeLit)
	if !ok || !isServerLit(info, lit) {
		return nil
	}
	return lit
}

// setsReadTimeout reports whether lit sets a read timeout. A literal with
// unkeyed elements (only possible inside net/http) is given the benefit of
// the doubt.
func setsReadTimeout(lit *ast.CompositeLit) bool {
	for _, elt := range lit.Elts {
		kv, ok := elt.(*ast.KeyValueExpr)
		if !ok {
			return true
		}
		if id, ok := kv.Key.(*ast.Ident); ok && slices.Contains(readFields, id.Name) {
			return true
		}
	}
	return false
}

// readFieldOperand returns x if lhs is x.ReadHeaderTimeout or x.ReadTimeout
// of an http.Server.
func readFieldOperand(info *types.Info, lhs ast.Expr) ast.Expr {
	sel, ok := ast.Unparen(lhs).(*ast.SelectorExpr)
	if !ok || !slices.Contains(readFields, sel.Sel.Name) {
		return nil
	}
	v, ok := info.Uses[sel.Sel].(*types.Var)
	if !ok || !v.IsField() || v.Pkg() == nil || v.Pkg().Path() != gintypes.HTTPPath {
		return nil
	}
	return sel.X
}

// targetOf names the variable or field path e denotes: srv, s.srv, pkg.Srv.
func targetOf(info *types.Info, e ast.Expr) (target, bool) {
	var path []string
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.Ident:
			obj := info.ObjectOf(x)
			if obj == nil {
				return target{}, false
			}
			slices.Reverse(path)
			return target{obj, strings.Join(path, ".")}, true
		case *ast.SelectorExpr:
			if id, ok := ast.Unparen(x.X).(*ast.Ident); ok {
				if _, ok := info.ObjectOf(id).(*types.PkgName); ok {
					e = x.Sel // a qualified package-level variable
					continue
				}
			}
			path = append(path, x.Sel.Name)
			e = x.X
		case *ast.StarExpr:
			e = x.X // *p = http.Server{...}; p.ReadTimeout = ...
		default:
			return target{}, false
		}
	}
}

// assignedLater reports whether one of the assignments at positions in
// gives t a read timeout after the literal at lit. A package-level variable
// may be assigned anywhere in the package (an init function, main).
func assignedLater(t target, lit token.Pos, positions []token.Pos) bool {
	if v, ok := t.root.(*types.Var); ok && gintypes.IsPackageLevel(v) {
		return len(positions) > 0
	}
	for _, p := range positions {
		if p > lit {
			return true
		}
	}
	return false
}

// shortcut returns the message for a call of a server shortcut, or "".
func shortcut(info *types.Info, call *ast.CallExpr) string {
	// Most calls are ruled out by name, before any type lookup.
	var name string
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		name = fun.Name
	case *ast.SelectorExpr:
		name = fun.Sel.Name
	}
	if !slices.Contains(httpShortcuts, name) && !slices.Contains(ginShortcuts, name) {
		return ""
	}
	fn := gintypes.Callee(info, call)
	switch {
	case fn == nil:
		return ""
	case gintypes.IsFunc(fn, gintypes.HTTPPath, httpShortcuts...):
		return "http." + fn.Name() + " starts a server with no timeouts and no graceful shutdown: " + slowloris +
			" — use an http.Server with ReadHeaderTimeout and stop it with Shutdown"
	case gintypes.IsMethod(fn, isEngine, ginShortcuts...):
		return "gin's Engine." + fn.Name() + " starts an http.Server with no timeouts and no graceful shutdown: " + slowloris +
			" — serve the engine with an http.Server with ReadHeaderTimeout and stop it with Shutdown"
	}
	return ""
}

// timeoutFix adds ReadHeaderTimeout: 5 * time.Second to lit, importing
// "time" if needed. It returns nil when "time" cannot be referred to there.
func timeoutFix(pass *analysis.Pass, file *ast.File, lit *ast.CompositeLit) []analysis.SuggestedFix {
	if file == nil {
		return nil
	}
	tf := pass.Fset.File(lit.Pos())
	if tf == nil {
		return nil
	}
	qual, edits, ok := fixutil.Qualifier(pass.Pkg, file, lit.Lbrace, "time", "Second")
	if !ok {
		return nil
	}
	field := "ReadHeaderTimeout: 5 * " + qual + "Second"
	return []analysis.SuggestedFix{{
		Message:   "Set ReadHeaderTimeout: 5 * time.Second",
		TextEdits: append(edits, fixutil.AddField(tf, lit, field)),
	}}
}
