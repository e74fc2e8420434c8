package routeloop

import (
	"go/ast"
	"go/token"
	"go/types"
	"go/version"
	"slices"
	"strings"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/rule"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// Analyzer reports handler literals registered in a loop that capture a
// loop variable in files before Go 1.22.
var Analyzer = &analysis.Analyzer{
	Name:       "routeloop",
	Doc:        Doc,
	URL:        rule.DocsBase + "routeloop.md",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: rule.ResultType,
	Run:        run,
}

// Rule is the routeloop rule's metadata.
var Rule = rule.Rule{
	Analyzer: Analyzer,
	ID:       id,
	Title:    "handler registered in a loop captures the loop variable (Go < 1.22)",
	Severity: rule.Error,
	Since:    "v0.1.0",
}

// id is Rule.ID; run uses it so that Analyzer, run and Rule do not form an
// initialization cycle.
const id = "GL1003"

// perIterationVersion is the first Go version whose for statements declare
// fresh variables for each iteration.
const perIterationVersion = "go1.22"

// ginMethods register handlers on a gin router.
var ginMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "Any", "Handle", "Match", "Use"}

// finding is one loop variable captured by one handler literal.
type finding struct {
	ref  *ast.Ident // first reference inside the literal
	v    *types.Var
	loop *loopInfo
}

// loopInfo gathers what the fix for one loop needs.
type loopInfo struct {
	node     ast.Node // *ast.RangeStmt or *ast.ForStmt
	body     *ast.BlockStmt
	captured []*types.Var // in order of first capture
}

func run(pass *analysis.Pass) (any, error) {
	rep := rule.NewReporter(pass, id)
	if !gintypes.ImportsGinOrHTTP(pass.Pkg) {
		return rep.Result(), nil
	}
	old := make(map[*ast.File]bool)
	for _, f := range pass.Files {
		if sharesLoopVars(fileVersion(pass, f)) {
			old[f] = true
		}
	}
	if len(old) == 0 {
		return rep.Result(), nil
	}

	info := pass.TypesInfo
	ins, _ := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if ins == nil {
		return rep.Result(), nil
	}
	loops := make(map[ast.Node]*loopInfo)
	var findings []finding
	filter := []ast.Node{(*ast.File)(nil), (*ast.CallExpr)(nil)}
	ins.WithStack(filter, func(n ast.Node, push bool, stack []ast.Node) bool {
		if !push {
			return true
		}
		if f, ok := n.(*ast.File); ok {
			return old[f] // skip files with per-iteration loop variables
		}
		call := n.(*ast.CallExpr)
		lits := handlerLits(info, call)
		if len(lits) == 0 || !isRegistration(info, call) {
			return true
		}
		vars := enclosingLoopVars(info, stack, loops)
		if len(vars) == 0 {
			return true
		}
		for _, lit := range lits {
			for _, ref := range captures(info, lit, vars) {
				v, _ := info.Uses[ref].(*types.Var)
				li := vars[v]
				if !slices.Contains(li.captured, v) {
					li.captured = append(li.captured, v)
				}
				findings = append(findings, finding{ref: ref, v: v, loop: li})
			}
		}
		return true
	})

	fixes := make(map[*loopInfo]*loopFix)
	for _, fd := range findings {
		fix := fixes[fd.loop]
		if fix == nil {
			fix = shadowFix(pass, fd.loop)
			fixes[fd.loop] = fix
		}
		d := analysis.Diagnostic{
			Pos: fd.ref.Pos(),
			End: fd.ref.End(),
			Message: "handler literal registered in a loop refers to loop variable " + fd.v.Name() +
				", shared by every iteration before Go 1.22: all handlers see its last value — copy it (" +
				fd.v.Name() + " := " + fd.v.Name() + ") or upgrade the go line to 1.22",
		}
		if fix.copied[fd.v] {
			d.SuggestedFixes = fix.fixes
		}
		rep.Report(d)
	}
	return rep.Result(), nil
}

// fileVersion is the Go language version f is compiled with, or "" if
// unknown.
func fileVersion(pass *analysis.Pass, f *ast.File) string {
	if v := pass.TypesInfo.FileVersions[f]; v != "" {
		return v
	}
	if pass.Pkg != nil {
		return pass.Pkg.GoVersion()
	}
	return ""
}

// sharesLoopVars reports whether Go version v declares loop variables once
// per loop. An unknown version is assumed not to: reporting code that may
// well be at go1.22 would be a false positive.
func sharesLoopVars(v string) bool {
	return version.IsValid(v) && version.Compare(v, perIterationVersion) < 0
}

// isRegistration reports whether call registers handlers on a gin router or
// a net/http mux.
func isRegistration(info *types.Info, call *ast.CallExpr) bool {
	fn := gintypes.Callee(info, call)
	if fn == nil {
		return false
	}
	return gintypes.IsMethod(fn, gintypes.IsGinRouter, ginMethods...) ||
		gintypes.IsFunc(fn, gintypes.HTTPPath, "Handle", "HandleFunc") ||
		gintypes.IsMethod(fn, gintypes.IsServeMux, "Handle", "HandleFunc")
}

// handlerLits returns the function literals among call's arguments: passed
// directly, converted (http.HandlerFunc(func...)) or wrapped by
// gin.WrapF(func...), which keeps the literal as the handler.
func handlerLits(info *types.Info, call *ast.CallExpr) []*ast.FuncLit {
	var lits []*ast.FuncLit
	for _, arg := range call.Args {
		if lit := handlerLit(info, arg); lit != nil {
			lits = append(lits, lit)
		}
	}
	return lits
}

func handlerLit(info *types.Info, arg ast.Expr) *ast.FuncLit {
	switch arg := ast.Unparen(arg).(type) {
	case *ast.FuncLit:
		return arg
	case *ast.CallExpr:
		if len(arg.Args) != 1 {
			return nil
		}
		lit, ok := ast.Unparen(arg.Args[0]).(*ast.FuncLit)
		if !ok {
			return nil
		}
		if tv, ok := info.Types[arg.Fun]; ok && tv.IsType() {
			return lit
		}
		if gintypes.IsFunc(gintypes.Callee(info, arg), gintypes.GinPath, "WrapF") {
			return lit
		}
	}
	return nil
}

// enclosingLoopVars maps the variables declared by the loops whose body
// encloses the innermost node of stack to their loop.
func enclosingLoopVars(info *types.Info, stack []ast.Node, loops map[ast.Node]*loopInfo) map[*types.Var]*loopInfo {
	var vars map[*types.Var]*loopInfo
	for i := 0; i+1 < len(stack); i++ {
		var body *ast.BlockStmt
		var idents []ast.Expr
		switch loop := stack[i].(type) {
		case *ast.RangeStmt:
			body = loop.Body
			if loop.Tok == token.DEFINE {
				idents = []ast.Expr{loop.Key, loop.Value}
			}
		case *ast.ForStmt:
			body = loop.Body
			if init, ok := loop.Init.(*ast.AssignStmt); ok && init.Tok == token.DEFINE {
				idents = init.Lhs
			}
		default:
			continue
		}
		// Only the body runs once per iteration with the shared variable;
		// a call in the range expression or the condition runs before or
		// between iterations.
		if body == nil || stack[i+1] != body || len(idents) == 0 {
			continue
		}
		for _, e := range idents {
			id, ok := e.(*ast.Ident)
			if !ok || id == nil {
				continue
			}
			v, ok := info.Defs[id].(*types.Var)
			if !ok || v == nil {
				continue
			}
			li := loops[stack[i]]
			if li == nil {
				li = &loopInfo{node: stack[i], body: body}
				loops[stack[i]] = li
			}
			if vars == nil {
				vars = make(map[*types.Var]*loopInfo)
			}
			vars[v] = li
		}
	}
	return vars
}

// captures returns, for each variable of vars that lit refers to, its first
// reference in lit, in source order.
func captures(info *types.Info, lit *ast.FuncLit, vars map[*types.Var]*loopInfo) []*ast.Ident {
	var refs []*ast.Ident
	seen := make(map[*types.Var]bool)
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		v, ok := info.Uses[id].(*types.Var)
		if !ok || seen[v] {
			return true
		}
		if _, ok := vars[v]; ok {
			seen[v] = true
			refs = append(refs, id)
		}
		return true
	})
	return refs
}

// loopFix is the fix shared by the diagnostics of one loop and the
// variables it copies.
type loopFix struct {
	fixes  []analysis.SuggestedFix
	copied map[*types.Var]bool
}

// shadowFix returns the fix that copies every copyable captured variable of
// the loop at the top of its body. All diagnostics of one loop share it, so
// that applying several of them yields one identical edit, not conflicts.
func shadowFix(pass *analysis.Pass, li *loopInfo) *loopFix {
	lf := &loopFix{copied: make(map[*types.Var]bool)}
	if li.body == nil || len(li.body.List) == 0 {
		return lf
	}
	var names []string
	vars := slices.Clone(li.captured)
	slices.SortFunc(vars, func(a, b *types.Var) int { return int(a.Pos() - b.Pos()) })
	for _, v := range vars {
		if copyable(pass.TypesInfo, li, v) {
			names = append(names, v.Name())
			lf.copied[v] = true
		}
	}
	first := li.body.List[0].Pos()
	tf := pass.Fset.File(first)
	if len(names) == 0 || tf == nil {
		return lf
	}
	text := copyText(names, tf.Line(first) == tf.Line(li.body.Lbrace), tf.Position(first).Column)
	lf.fixes = []analysis.SuggestedFix{{
		Message:   "Copy " + strings.Join(names, ", ") + " at the top of the loop body",
		TextEdits: []analysis.TextEdit{{Pos: first, End: first, NewText: []byte(text)}},
	}}
	return lf
}

// copyText is the text inserted before the first statement of a loop body,
// which starts at column col, on the line of the body's { if sameLine.
func copyText(names []string, sameLine bool, col int) string {
	sep := "; "
	if !sameLine {
		// gofmt indents with tabs, so the column is the indentation + 1.
		sep = "\n" + strings.Repeat("\t", max(col-1, 0))
	}
	var text strings.Builder
	for _, name := range names {
		text.WriteString(name + " := " + name + sep)
	}
	return text.String()
}

// copyable reports whether a shadow copy of v at the top of the loop body
// keeps the program valid and behaves like Go 1.22's per-iteration variable.
func copyable(info *types.Info, li *loopInfo, v *types.Var) bool {
	// A name already declared in the body block would be redeclared.
	if scope := info.Scopes[li.body]; scope != nil && scope.Lookup(v.Name()) != nil {
		return false
	}
	if _, ok := li.node.(*ast.ForStmt); !ok {
		return true
	}
	// In a three-clause loop the body may advance the variable; after a copy
	// it would advance the copy and the loop would no longer progress.
	mutated := false
	ast.Inspect(li.body, func(n ast.Node) bool {
		if mutated {
			return false
		}
		switch n := n.(type) {
		case *ast.AssignStmt:
			for _, lhs := range n.Lhs {
				if isVar(info, lhs, v) {
					mutated = true
				}
			}
		case *ast.IncDecStmt:
			mutated = isVar(info, n.X, v)
		case *ast.UnaryExpr:
			mutated = n.Op == token.AND && isVar(info, n.X, v)
		}
		return true
	})
	return !mutated
}

func isVar(info *types.Info, e ast.Expr, v *types.Var) bool {
	id, ok := ast.Unparen(e).(*ast.Ident)
	return ok && info.Uses[id] == v
}
