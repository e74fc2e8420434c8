package clienttimeout

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/internal/assigned"
	"github.com/ginleak/ginleak/analysis/rule"
)

// Analyzer reports http.Client literals without a Timeout and the
// DefaultClient shortcuts called from request handling.
var Analyzer = &analysis.Analyzer{
	Name:       "clienttimeout",
	Doc:        Doc,
	URL:        rule.DocsBase + "clienttimeout.md",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: rule.ResultType,
	Run:        run,
}

// id is Rule.ID; run uses it so that Analyzer, run and Rule do not form an
// initialization cycle.
const id = "GL1012"

// Rule is the clienttimeout rule's metadata.
var Rule = rule.Rule{
	Analyzer: Analyzer,
	ID:       id,
	Title:    "HTTP client without a timeout",
	Severity: rule.Warning,
	Since:    "v0.2.0",
}

// The net/http functions that use http.DefaultClient, and the
// http.DefaultClient methods that send a request.
var (
	defaultFuncs   = []string{"Get", "Head", "Post", "PostForm"}
	defaultMethods = []string{"Do", "Get", "Head", "Post", "PostForm"}
)

const slowUpstream = "a slow upstream holds this handler's goroutine and memory without bound"

// unit is a function of the package's call graph: a function declaration,
// or a handler function literal (other literals belong to the unit around
// them).
type unit struct {
	name    string
	handler *types.Var // request parameter, if the unit is a handler
	kind    gintypes.HandlerKind
	calls   []*types.Func // same-package functions it calls or passes on
	sites   []*ast.CallExpr
}

type walker struct {
	pass     *analysis.Pass
	info     *types.Info
	units    []*unit
	declUnit map[*types.Func]int
	stack    []int // units enclosing the current node
	lits     []candidate
	// later knows which variable holds each literal and whether it gets a
	// Timeout afterwards.
	later *assigned.Tracker
	// bounded: variables holding an *http.Transport that sets
	// ResponseHeaderTimeout (see transport.go).
	bounded map[*types.Var]bool
}

type candidate struct {
	lit  *ast.CompositeLit
	file *ast.File
}

func run(pass *analysis.Pass) (any, error) {
	rep := rule.NewReporter(pass, id)
	if !gintypes.ImportsGinOrHTTP(pass.Pkg) {
		return rep.Result(), nil
	}
	ins, _ := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if ins == nil || pass.TypesInfo == nil {
		return rep.Result(), nil
	}
	w := &walker{
		pass:     pass,
		info:     pass.TypesInfo,
		declUnit: make(map[*types.Func]int),
		bounded:  make(map[*types.Var]bool),
		later: assigned.New(pass.TypesInfo, func(lit *ast.CompositeLit) bool { return isClientLit(pass.TypesInfo, lit) },
			gintypes.HTTPPath, "Timeout"),
	}
	var file *ast.File
	ins.Nodes(nodeTypes, func(n ast.Node, push bool) bool {
		switch n := n.(type) {
		case *ast.File:
			if push {
				if gintypes.IsTestFile(pass.Fset, n) {
					return false
				}
				file = n
			}
		case *ast.FuncDecl:
			w.funcDecl(n, push)
		case *ast.FuncLit:
			w.funcLit(n, push)
		case *ast.AssignStmt:
			if push {
				w.later.Assign(n)
				w.assignTransport(n)
			}
		case *ast.ValueSpec:
			if push {
				w.later.ValueSpec(n)
				w.specTransport(n)
			}
		case *ast.CompositeLit:
			if push && isClientLit(w.info, n) && !w.later.SetInLiteral(n) {
				w.lits = append(w.lits, candidate{n, file})
			}
		case *ast.CallExpr:
			if push {
				w.call(n)
			}
		}
		return true
	})
	w.reportLits(rep)
	w.reportSites(rep)
	return rep.Result(), nil
}

var nodeTypes = []ast.Node{
	(*ast.File)(nil), (*ast.FuncDecl)(nil), (*ast.FuncLit)(nil), (*ast.AssignStmt)(nil),
	(*ast.ValueSpec)(nil), (*ast.CompositeLit)(nil), (*ast.CallExpr)(nil),
}

func (w *walker) funcDecl(fd *ast.FuncDecl, push bool) {
	if !push {
		w.stack = w.stack[:len(w.stack)-1]
		return
	}
	u := w.newUnit(fd, fd.Name.Name)
	if fn, ok := w.info.Defs[fd.Name].(*types.Func); ok {
		w.declUnit[fn] = u
	}
	w.stack = append(w.stack, u)
}

// funcLit makes a handler literal a unit of its own; other literals stay
// part of the unit around them.
func (w *walker) funcLit(fl *ast.FuncLit, push bool) {
	kind, _ := gintypes.RequestParam(gintypes.FuncSignature(w.info, fl))
	if kind == gintypes.NotHandler {
		return
	}
	if !push {
		w.stack = w.stack[:len(w.stack)-1]
		return
	}
	name := "a handler literal"
	if n := len(w.stack); n > 0 {
		name += " in " + w.units[w.stack[n-1]].name
	}
	w.stack = append(w.stack, w.newUnit(fl, name))
}

func (w *walker) newUnit(fn ast.Node, name string) int {
	u := &unit{name: name}
	u.kind, u.handler = gintypes.RequestParam(gintypes.FuncSignature(w.info, fn))
	w.units = append(w.units, u)
	return len(w.units) - 1
}

func (w *walker) current() *unit {
	if n := len(w.stack); n > 0 {
		return w.units[w.stack[n-1]]
	}
	return nil // package-level initializers
}

// call records a DefaultClient shortcut, or the same-package functions the
// call reaches: its callee and functions passed as arguments (g.Go(fetch)).
func (w *walker) call(call *ast.CallExpr) {
	u := w.current()
	if u == nil {
		return
	}
	if usesDefaultClient(w.info, call) != "" {
		u.sites = append(u.sites, call)
		return
	}
	if fn := w.samePkgFunc(gintypes.Callee(w.info, call)); fn != nil {
		u.calls = append(u.calls, fn)
	}
	for _, arg := range call.Args {
		if fn, ok := gintypes.ObjectOf(w.info, arg).(*types.Func); ok {
			if fn := w.samePkgFunc(fn); fn != nil {
				u.calls = append(u.calls, fn)
			}
		}
	}
}

func (w *walker) samePkgFunc(fn *types.Func) *types.Func {
	if fn == nil || fn.Pkg() != w.pass.Pkg {
		return nil
	}
	return fn.Origin()
}

// usesDefaultClient returns the name of the shortcut call is ("http.Get",
// "http.DefaultClient.Do"), or "".
func usesDefaultClient(info *types.Info, call *ast.CallExpr) string {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		if id, ok := ast.Unparen(call.Fun).(*ast.Ident); !ok || !slices.Contains(defaultFuncs, id.Name) {
			return "" // only a dot import calls Get unqualified
		}
	} else if !slices.Contains(defaultMethods, sel.Sel.Name) {
		return ""
	}
	fn := gintypes.Callee(info, call)
	switch {
	case fn == nil:
		return ""
	case gintypes.IsFunc(fn, gintypes.HTTPPath, defaultFuncs...):
		return "http." + fn.Name()
	case sel != nil && isDefaultClient(info, sel.X) &&
		gintypes.IsMethod(fn, func(t types.Type) bool { return gintypes.IsNamed(t, gintypes.HTTPPath, "Client") }, defaultMethods...):
		return "http.DefaultClient." + fn.Name()
	}
	return ""
}

// isDefaultClient reports whether e is net/http's DefaultClient variable.
func isDefaultClient(info *types.Info, e ast.Expr) bool {
	v, ok := gintypes.ObjectOf(info, e).(*types.Var)
	return ok && v.Name() == "DefaultClient" && v.Pkg() != nil && v.Pkg().Path() == gintypes.HTTPPath &&
		gintypes.IsPackageLevel(v)
}

// reportSites reports the shortcuts in units reachable from a handler.
func (w *walker) reportSites(rep *rule.Reporter) {
	via := w.reachability()
	for i, u := range w.units {
		if via[i] < 0 {
			continue
		}
		root := w.units[via[i]]
		where := "from a request handler"
		if via[i] != i {
			where = fmt.Sprintf("from request handling (%s, reached from handler %s)", u.name, root.name)
		}
		for _, call := range u.sites {
			name := usesDefaultClient(w.info, call)
			var msg string
			if strings.HasPrefix(name, "http.DefaultClient.") {
				msg = fmt.Sprintf("%s is called %s, and http.DefaultClient has no timeout: %s", name, where, slowUpstream)
			} else {
				msg = fmt.Sprintf("%s uses http.DefaultClient, which has no timeout, %s: %s", name, where, slowUpstream)
			}
			msg += " — use a client with Timeout and http.NewRequestWithContext(" + requestContext(root) + ", ...)"
			rep.Report(analysis.Diagnostic{Pos: call.Pos(), End: call.End(), Message: msg})
		}
	}
}

// reachability returns, for each unit, the handler unit it is first reached
// from over same-package calls (itself for a handler), or -1.
func (w *walker) reachability() []int {
	via := make([]int, len(w.units))
	var queue []int
	for i, u := range w.units {
		via[i] = -1
		if u.kind != gintypes.NotHandler {
			via[i] = i
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, fn := range w.units[i].calls {
			to, ok := w.declUnit[fn]
			if ok && via[to] < 0 {
				via[to] = via[i]
				queue = append(queue, to)
			}
		}
	}
	return via
}

// requestContext names the root handler's request context for the message.
func requestContext(u *unit) string {
	name := ""
	if u.handler != nil && u.handler.Name() != "_" {
		name = u.handler.Name()
	}
	switch {
	case u.kind == gintypes.GinHandler && name != "":
		return name + ".Request.Context()"
	case u.kind == gintypes.GinHandler:
		return "c.Request.Context()"
	case name != "":
		return name + ".Context()"
	}
	return "r.Context()"
}

// isClientLit reports whether lit is an http.Client literal. An elided
// literal in a []*http.Client has type *http.Client.
func isClientLit(info *types.Info, lit *ast.CompositeLit) bool {
	t := info.TypeOf(lit)
	return gintypes.IsNamed(t, gintypes.HTTPPath, "Client") || gintypes.IsPointerTo(t, gintypes.HTTPPath, "Client")
}

func (w *walker) reportLits(rep *rule.Reporter) {
	slices.SortFunc(w.lits, func(a, b candidate) int { return cmp.Compare(a.lit.Pos(), b.lit.Pos()) })
	for _, c := range w.lits {
		if w.later.SetLater(c.lit) || w.headerBounded(c.lit) {
			continue
		}
		rep.Report(analysis.Diagnostic{
			Pos:            c.lit.Pos(),
			End:            c.lit.End(),
			Message:        litMessage,
			SuggestedFixes: w.fixes(c.file, c.lit),
		})
	}
}

// litMessage offers both bounds: Timeout for a client whose exchanges are
// short, the connection-level timeouts plus a per-request deadline for one
// made for long transfers, where an overall Timeout would cut a large
// upload or download short.
const litMessage = "http.Client literal has no Timeout: a slow upstream holds the request's goroutine and buffers forever " +
	"— set Timeout (e.g. 10 * time.Second), or, for a client made for long transfers (uploads, downloads), " +
	"a Transport with dial, TLS and ResponseHeaderTimeout timeouts and a context deadline on each request"
