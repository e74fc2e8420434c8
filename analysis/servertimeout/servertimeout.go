package servertimeout

import (
	"go/ast"
	"go/types"
	"slices"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/internal/assigned"
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

// ginBounded are the shortcuts whose server a gin with an
// Engine.ReadHeaderTimeout field gives a read header timeout (gin pull
// request 4800: Run, RunTLS and RunListener, and RunFd through
// RunListener). RunUnix builds its server separately and was left out.
var ginBounded = []string{"Run", "RunTLS", "RunListener", "RunFd"}

const slowloris = "a client that sends headers slowly holds a connection and its goroutine forever (slowloris)"

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
		cands []candidate
		file  *ast.File
		// which variable holds each literal, and whether it gets a read
		// timeout afterwards
		later = assigned.New(info, func(lit *ast.CompositeLit) bool { return isServerLit(info, lit) },
			gintypes.HTTPPath, readFields...)
	)
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
			if gintypes.IsTestFile(pass.Fset, n) {
				return false
			}
			file = n
		case *ast.AssignStmt:
			later.Assign(n)
		case *ast.ValueSpec:
			later.ValueSpec(n)
		case *ast.CompositeLit:
			if isServerLit(info, n) && !later.SetInLiteral(n) {
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
		if later.SetLater(c.lit) {
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
		if slices.Contains(ginBounded, fn.Name()) && engineBoundsHeaders(fn) {
			return ""
		}
		return "gin's Engine." + fn.Name() + " starts an http.Server with no timeouts and no graceful shutdown: " + slowloris +
			" — serve the engine with an http.Server with ReadHeaderTimeout and stop it with Shutdown"
	}
	return ""
}

// engineBoundsHeaders reports whether the gin Engine that method fn belongs
// to has a ReadHeaderTimeout field. Gin versions that have it default it
// (10 s, also when set to zero or less) for the servers Run and its
// siblings build. The type-checked field decides, not a version string:
// forks, replace directives and pseudo-versions all carry the field or not.
func engineBoundsHeaders(fn *types.Func) bool {
	recv := fn.Signature().Recv()
	if recv == nil {
		return false
	}
	obj, _, _ := types.LookupFieldOrMethod(recv.Type(), true, fn.Pkg(), "ReadHeaderTimeout")
	v, ok := obj.(*types.Var)
	return ok && v.IsField()
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
