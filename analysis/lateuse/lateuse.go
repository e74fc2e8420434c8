package lateuse

import (
	"go/ast"
	"go/constant"
	"go/types"
	"strconv"
	"strings"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/rule"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// Analyzer reports Use on a gin router after routes were registered on it.
var Analyzer = &analysis.Analyzer{
	Name:       "lateuse",
	Doc:        Doc,
	URL:        rule.DocsBase + "lateuse.md",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: rule.ResultType,
	Run:        run,
}

// Rule is the lateuse rule's metadata.
var Rule = rule.Rule{
	Analyzer: Analyzer,
	ID:       id,
	Title:    "middleware added after routes were registered",
	Severity: rule.Warning,
	Since:    "v0.2.0",
}

// id is Rule.ID; run uses it so that Analyzer, run and Rule do not form an
// initialization cycle.
const id = "GL1007"

// routeMethods register a route and return the router they were called on
// (IRoutes), so calls on their results are calls on the same router.
var routeMethods = map[string]bool{
	"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true,
	"HEAD": true, "OPTIONS": true, "Any": true, "Handle": true, "Match": true,
	"Static": true, "StaticFile": true, "StaticFS": true, "StaticFileFS": true,
}

// maxListed bounds how many uncovered routes a message names.
const maxListed = 3

// routerKey names a router variable, or a field path below one (s.r).
type routerKey struct {
	obj  types.Object
	path string
}

// registration is one route registered on, or group created from, a router.
type registration struct {
	desc string // "GET /orders", "group /admin"
	kind routeKind
}

// funcState is what one function body has registered so far, per router.
type funcState map[routerKey][]registration

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

	// Each function body is its own sequence: a handler literal registered
	// inside main runs at another time, so it gets a state of its own.
	cl := &classifier{info: info, files: pass.Files}
	var stack []funcState
	filter := []ast.Node{(*ast.FuncDecl)(nil), (*ast.FuncLit)(nil), (*ast.CallExpr)(nil), (*ast.AssignStmt)(nil)}
	ins.Nodes(filter, func(n ast.Node, push bool) bool {
		switch n.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			if push {
				stack = append(stack, nil)
			} else if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			return true
		}
		// Calls are handled on the way out: a call's receiver and arguments
		// (r.Group("/x") in r.Group("/x").GET(...)) run before it.
		if push || len(stack) == 0 {
			return true
		}
		st := &stack[len(stack)-1]
		switch n := n.(type) {
		case *ast.AssignStmt:
			forgetAssigned(info, *st, n)
		case *ast.CallExpr:
			visitCall(pass, rep, cl, st, n)
		}
		return true
	})
	return rep.Result(), nil
}

// forgetAssigned drops what was registered on a variable that now holds
// another router.
func forgetAssigned(info *types.Info, st funcState, as *ast.AssignStmt) {
	if len(st) == 0 {
		return
	}
	for _, lhs := range as.Lhs {
		if k, ok := keyOf(info, lhs); ok {
			for key := range st {
				if key.obj == k.obj && (k.path == "" || key.path == k.path || strings.HasPrefix(key.path, k.path+".")) {
					delete(st, key)
				}
			}
		}
	}
}

func visitCall(pass *analysis.Pass, rep *rule.Reporter, cl *classifier, st *funcState, call *ast.CallExpr) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return
	}
	name := sel.Sel.Name
	if name != "Use" && name != "Group" && !routeMethods[name] {
		return // most calls are ruled out before any type lookup
	}
	info := pass.TypesInfo
	if !gintypes.IsMethod(gintypes.Callee(info, call), gintypes.IsGinRouter, name) {
		return
	}
	key, ok := keyOf(info, sel.X)
	if !ok {
		return
	}
	if name != "Use" {
		if *st == nil {
			*st = make(funcState)
		}
		(*st)[key] = append((*st)[key], describe(info, name, call))
		return
	}
	regs := (*st)[key]
	if len(regs) == 0 || len(call.Args) == 0 {
		return
	}
	// Public routes may miss any middleware; static files and login
	// callbacks may miss response-header middleware (CORS, security
	// headers) but not logging, recovery, limits or access control.
	access := looksLikeAccessControl(info, call.Args)
	headers := !access && !call.Ellipsis.IsValid() && cl.headerOnly(call.Args)
	var uncovered []string
	for _, r := range regs {
		if r.kind == kindAPI || r.kind == kindEarly && !headers {
			uncovered = append(uncovered, r.desc)
		}
	}
	if len(uncovered) == 0 {
		return
	}
	d := analysis.Diagnostic{
		Pos:     call.Pos(),
		End:     call.End(),
		Message: message(useText(call), types.ExprString(sel.X), uncovered, access),
	}
	if access {
		rep.ReportSeverity(d, rule.Error)
		return
	}
	rep.Report(d)
}

// keyOf names the router e denotes: a variable (r), a field path below one
// (s.r, s.eng.RouterGroup is s.eng), or the router a chained registration
// returns (r.GET(...) in r.GET(...).Use(m) is r).
func keyOf(info *types.Info, e ast.Expr) (routerKey, bool) {
	var path []string
	for {
		switch x := ast.Unparen(e).(type) {
		case *ast.Ident:
			obj, ok := info.ObjectOf(x).(*types.Var)
			if !ok {
				return routerKey{}, false
			}
			for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
				path[i], path[j] = path[j], path[i]
			}
			return routerKey{obj, strings.Join(path, ".")}, true
		case *ast.SelectorExpr:
			if id, ok := ast.Unparen(x.X).(*ast.Ident); ok {
				if _, ok := info.ObjectOf(id).(*types.PkgName); ok {
					e = x.Sel // a qualified package-level variable
					continue
				}
			}
			v, ok := info.ObjectOf(x.Sel).(*types.Var)
			if !ok || !v.IsField() {
				return routerKey{}, false
			}
			// The engine's embedded RouterGroup is the engine's own chain.
			if !(v.Embedded() && v.Name() == "RouterGroup") {
				path = append(path, x.Sel.Name)
			}
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.CallExpr:
			sel, ok := ast.Unparen(x.Fun).(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Use" && !routeMethods[sel.Sel.Name]) ||
				!gintypes.IsMethod(gintypes.Callee(info, x), gintypes.IsGinRouter, sel.Sel.Name) {
				return routerKey{}, false
			}
			e = sel.X
		default:
			return routerKey{}, false
		}
	}
}

// describe says what a registration call registers: "GET /orders",
// "group /admin".
func describe(info *types.Info, name string, call *ast.CallExpr) registration {
	pathArg, method := 0, name
	switch name {
	case "Group":
		method = "group"
	case "Handle":
		pathArg, method = 1, "<method>"
		if len(call.Args) > 0 {
			if s, ok := stringConst(info, call.Args[0]); ok {
				method = s
			} else {
				method = types.ExprString(call.Args[0])
			}
		}
	case "Match":
		pathArg = 1
	}
	if pathArg >= len(call.Args) {
		return registration{desc: method, kind: kindOf(name, "", false)}
	}
	arg := call.Args[pathArg]
	p, ok := stringConst(info, arg)
	if !ok {
		return registration{desc: method + " " + types.ExprString(arg), kind: kindOf(name, "", false)}
	}
	shown := p
	if shown == "" {
		shown = strconv.Quote(p)
	}
	return registration{desc: method + " " + shown, kind: kindOf(name, p, true)}
}

func stringConst(info *types.Info, e ast.Expr) (string, bool) {
	tv, ok := info.Types[e]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(tv.Value), true
}

// useText is the Use call as the message shows it: function literals
// elided, shortened when long.
func useText(call *ast.CallExpr) string {
	fun := types.ExprString(call.Fun)
	args := make([]string, len(call.Args))
	for i, a := range call.Args {
		if _, ok := ast.Unparen(a).(*ast.FuncLit); ok {
			args[i] = "func(...) {...}"
		} else {
			args[i] = types.ExprString(a)
		}
	}
	s := fun + "(" + strings.Join(args, ", ")
	if call.Ellipsis.IsValid() {
		s += "..."
	}
	s += ")"
	if len(s) > 60 {
		return fun + "(...)"
	}
	return s
}

func message(use, router string, uncovered []string, access bool) string {
	var sb strings.Builder
	sb.WriteString(use)
	sb.WriteString(" comes after ")
	sb.WriteString(list(uncovered))
	if len(uncovered) == 1 {
		sb.WriteString(" was registered on ")
	} else {
		sb.WriteString(" were registered on ")
	}
	sb.WriteString(router)
	sb.WriteString(": gin copies the handler chain at registration, so ")
	if len(uncovered) == 1 {
		sb.WriteString("it runs")
	} else {
		sb.WriteString("they run")
	}
	sb.WriteString(" without this middleware — ")
	if access {
		sb.WriteString("likely an authentication bypass: ")
	}
	sb.WriteString("move Use before the routes")
	return sb.String()
}

// list joins descriptions: "a", "a and b", "a, b and c", "a, b, c and 2 more".
func list(items []string) string {
	if len(items) > maxListed {
		return strings.Join(items[:maxListed], ", ") + " and " + strconv.Itoa(len(items)-maxListed) + " more"
	}
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
