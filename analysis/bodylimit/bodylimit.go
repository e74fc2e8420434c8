package bodylimit

import (
	"go/ast"
	"go/types"
	"iter"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/internal/fixutil"
	"github.com/ginleak/ginleak/analysis/rule"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// Analyzer reports a handler reading the whole request body with no bound
// on its size.
var Analyzer = &analysis.Analyzer{
	Name:       "bodylimit",
	Doc:        Doc,
	URL:        rule.DocsBase + "bodylimit.md",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: rule.ResultType,
	Run:        run,
}

// id is the rule's stable ID; run uses it rather than Rule.ID, which would
// make Analyzer, run and Rule an initialization cycle.
const id = "GL1013"

// Rule is the analyzer's rule metadata.
var Rule = rule.Rule{
	Analyzer: Analyzer,
	ID:       id,
	Title:    "whole request body read with no size limit",
	Severity: rule.Warning,
	Since:    "v0.2.0",
}

// guardPath is the package of ginleak's runtime middleware.
const guardPath = "github.com/ginleak/ginleak/guard"

// read is one call that reads a whole request body.
type read struct {
	cur  inspector.Cursor
	call *ast.CallExpr
	name string   // for the message: "io.ReadAll", "c.GetRawData"
	req  ast.Expr // the request: c.Request, r (nil for GetRawData)
	ctx  ast.Expr // the receiver of GetRawData
}

// reqText is the request as source text.
func (r *read) reqText() string {
	if r.req != nil {
		return types.ExprString(r.req)
	}
	return types.ExprString(r.ctx) + ".Request"
}

// facts is what one walk over the package finds.
type facts struct {
	reads []*read
	// bounded: the package limits every request body (guard.BodyLimit or
	// guard.CaptureBody other than as a route's middleware,
	// http.MaxBytesHandler).
	bounded bool
	// limiters are the package's functions that call http.MaxBytesReader
	// (anywhere in their body, literals included); limitLits are the
	// literals that do.
	limiters  map[*types.Func]bool
	limitLits map[*ast.FuncLit]bool
	// passers are the package's functions that call ServeHTTP: with
	// http.MaxBytesReader, a net/http middleware that bounds the body.
	passers map[*types.Func]bool
	// registrations are the calls of gin router methods (Use, Group, GET,
	// POST, ...): the middleware and handlers the package registers.
	registrations []registration
}

func run(pass *analysis.Pass) (any, error) {
	rep := rule.NewReporter(pass, id)
	analyze(pass, rep)
	return rep.Result(), nil
}

// analyze reports the package's unbounded reads through rep. It returns
// the checker that judged them (nil when the package has nothing to
// judge), whose counters the tests read.
func analyze(pass *analysis.Pass, rep *rule.Reporter) *checker {
	if !gintypes.ImportsGinOrHTTP(pass.Pkg) {
		return nil
	}
	ins, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return nil
	}
	f := collect(pass, ins)
	if len(f.reads) == 0 || f.bounded || f.appliedHTTPLimit(pass, ins) {
		return nil
	}
	limited := f.limitScope(pass.TypesInfo)
	if limited.all {
		return nil
	}
	c := &checker{
		pass: pass, rep: rep, facts: f,
		handlers: make(map[ast.Node]handlerParams),
		limits:   make(map[ast.Node]map[ast.Node]firstLimit),
		srcs:     fixutil.NewSources(pass),
	}
	for _, r := range f.reads {
		if !c.inHandler(r.cur) || limited.covers(pass.TypesInfo, r.cur) || c.limitedBefore(r) {
			continue
		}
		c.report(r)
	}
	return c
}

// interesting are the names of the calls collect looks at; every other
// call is skipped without a type lookup.
var interesting = map[string]bool{
	"ReadAll": true, "GetRawData": true, "BodyLimit": true, "CaptureBody": true,
	"MaxBytesHandler": true, "MaxBytesReader": true, "ServeHTTP": true,
	"Use": true, "Group": true, "Handle": true, "Any": true, "Match": true,
	"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "HEAD": true, "OPTIONS": true,
}

// sourceFiles yields the package's files other than _test.go files. This
// is a production-hazard rule: a test's mock server that reads its whole
// body is not a finding, and a limit a test applies bounds no real request,
// so test files neither report nor silence.
func sourceFiles(pass *analysis.Pass, ins *inspector.Inspector) iter.Seq[inspector.Cursor] {
	return func(yield func(inspector.Cursor) bool) {
		for cur := range ins.Root().Children() {
			if f, ok := cur.Node().(*ast.File); ok && !gintypes.IsTestFile(pass.Fset, f) && !yield(cur) {
				return
			}
		}
	}
}

// collect walks the calls of the package's non-test files once.
func collect(pass *analysis.Pass, ins *inspector.Inspector) *facts {
	info := pass.TypesInfo
	f := &facts{
		limiters:  make(map[*types.Func]bool),
		limitLits: make(map[*ast.FuncLit]bool),
		passers:   make(map[*types.Func]bool),
	}
	for file := range sourceFiles(pass, ins) {
		f.collectFile(info, file)
	}
	return f
}

// collectFile adds what one file holds to f.
func (f *facts) collectFile(info *types.Info, file inspector.Cursor) {
	for cur := range file.Preorder((*ast.CallExpr)(nil)) {
		call, ok := cur.Node().(*ast.CallExpr)
		if !ok {
			continue
		}
		var name string
		switch fun := ast.Unparen(call.Fun).(type) {
		case *ast.SelectorExpr:
			name = fun.Sel.Name
		case *ast.Ident: // a dot import
			name = fun.Name
		}
		if !interesting[name] {
			continue
		}
		fn := gintypes.Callee(info, call)
		if fn == nil {
			continue
		}
		switch {
		case name == "ReadAll" || name == "GetRawData":
			if r := readOf(info, call, fn); r != nil {
				r.cur = cur
				f.reads = append(f.reads, r)
			}
		case gintypes.IsFunc(fn, guardPath, "BodyLimit", "CaptureBody"):
			// As a route's middleware it bounds that route (limitScope);
			// anywhere else (Use, a variable) assume every route.
			if !isRouteArg(info, cur) && !isRouterArg(info, cur) {
				f.bounded = true
			}
		case gintypes.IsFunc(fn, gintypes.HTTPPath, "MaxBytesHandler"):
			f.bounded = true
		case gintypes.IsFunc(fn, gintypes.HTTPPath, "MaxBytesReader"):
			for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
				switch n := fc.Node().(type) {
				case *ast.FuncLit:
					f.limitLits[n] = true
				case *ast.FuncDecl:
					if obj, ok := info.Defs[n.Name].(*types.Func); ok {
						f.limiters[obj] = true
					}
				}
			}
		case name == "ServeHTTP":
			if decl := outerDecl(info, cur); decl != nil {
				f.passers[decl] = true
			}
		case gintypes.IsMethod(fn, gintypes.IsGinRouter, name):
			reg := registration{method: name, args: call.Args, call: call}
			if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
				reg.recv = sel.X
			}
			if name == "Group" {
				reg.group = assignedVar(info, cur)
			}
			f.registrations = append(f.registrations, reg)
		}
	}
}

// outerDecl returns the declared function around cur, or nil.
func outerDecl(info *types.Info, cur inspector.Cursor) *types.Func {
	for fc := range cur.Enclosing((*ast.FuncDecl)(nil)) {
		obj, _ := info.Defs[fc.Node().(*ast.FuncDecl).Name].(*types.Func)
		return obj
	}
	return nil
}

// readOf returns the read when call (of fn) reads a whole request body
// unwrapped, else nil.
func readOf(info *types.Info, call *ast.CallExpr, fn *types.Func) *read {
	switch {
	case gintypes.IsFunc(fn, "io", "ReadAll") || gintypes.IsFunc(fn, "io/ioutil", "ReadAll"):
		if len(call.Args) != 1 {
			return nil
		}
		sel, ok := ast.Unparen(call.Args[0]).(*ast.SelectorExpr)
		if !ok || !gintypes.IsRequestBody(info, sel) {
			return nil // a wrapped body (LimitReader, MaxBytesReader) or another reader
		}
		return &read{call: call, name: fn.Pkg().Name() + "." + fn.Name(), req: ast.Unparen(sel.X)}
	case gintypes.IsMethod(fn, gintypes.IsGinContext, "GetRawData"):
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok {
			return nil
		}
		x := ast.Unparen(sel.X)
		return &read{call: call, name: types.ExprString(x) + ".GetRawData", ctx: x}
	}
	return nil
}
