package lateuse

import (
	"go/ast"
	"go/constant"
	"go/types"
	"strconv"
	"strings"
	"unicode"

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
	desc   string // "GET /orders", "group /admin"
	public bool
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
			visitCall(pass, rep, st, n)
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

func visitCall(pass *analysis.Pass, rep *rule.Reporter, st *funcState, call *ast.CallExpr) {
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
	var uncovered []string
	for _, r := range regs {
		if !r.public {
			uncovered = append(uncovered, r.desc)
		}
	}
	if len(uncovered) == 0 || len(call.Args) == 0 {
		return
	}
	access := looksLikeAccessControl(info, call.Args)
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
		return registration{desc: method}
	}
	arg := call.Args[pathArg]
	p, ok := stringConst(info, arg)
	if !ok {
		return registration{desc: method + " " + types.ExprString(arg)}
	}
	shown := p
	if shown == "" {
		shown = strconv.Quote(p)
	}
	return registration{desc: method + " " + shown, public: isPublicPath(p)}
}

func stringConst(info *types.Info, e ast.Expr) (string, bool) {
	tv, ok := info.Types[e]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(tv.Value), true
}

// publicNames are path segments that name endpoints apps expose without
// authentication and register before their middleware on purpose.
var publicNames = map[string]bool{
	"health": true, "healthz": true, "ready": true, "readyz": true, "live": true, "livez": true,
	"ping": true, "metrics": true, "static": true, "assets": true, "swagger": true, "docs": true,
	"favicon": true, "robots": true,
}

// isPublicPath reports whether a route path is a public endpoint: its first
// segment (/static/*filepath, /swagger/*any, /favicon.ico) or its last one
// (/api/health) is a public name, file extension ignored. Parameters
// (:id, *any) are never public names: /api/assets/:id is an API.
func isPublicPath(p string) bool {
	var segs []string
	for s := range strings.SplitSeq(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	if len(segs) == 0 {
		return false
	}
	public := func(s string) bool {
		if s[0] == ':' || s[0] == '*' {
			return false
		}
		s, _, _ = strings.Cut(strings.ToLower(s), ".")
		return publicNames[s]
	}
	return public(segs[0]) || public(segs[len(segs)-1])
}

// accessWords, found anywhere in a middleware's text, mark access control.
var accessWords = []string{"auth", "jwt", "token", "session", "permission", "rbac", "casbin", "login", "csrf"}

// looksLikeAccessControl reports whether a middleware argument's source
// text, or the package of the function that makes it, names access control.
func looksLikeAccessControl(info *types.Info, args []ast.Expr) bool {
	for _, arg := range args {
		text := types.ExprString(arg)
		var obj types.Object
		switch a := ast.Unparen(arg).(type) {
		case *ast.CallExpr:
			if fn := gintypes.Callee(info, a); fn != nil {
				obj = fn
			}
		default:
			obj = gintypes.ObjectOf(info, a)
		}
		if obj != nil && obj.Pkg() != nil {
			text += " " + obj.Pkg().Path()
		}
		if isAccessText(text) {
			return true
		}
	}
	return false
}

func isAccessText(text string) bool {
	lower := strings.ToLower(text)
	for _, w := range accessWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	// "acl" only as a word of its own: it is inside "oracle".
	for _, w := range words(text) {
		if w == "acl" || w == "acls" {
			return true
		}
	}
	return false
}

// words splits text into lower-case words at punctuation and camelCase
// boundaries: "NewACLChecker" is new, acl, checker.
func words(text string) []string {
	var out []string
	rs := []rune(text)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			out = append(out, strings.ToLower(string(rs[start:end])))
		}
		start = -1
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		prev := rs[i-1]
		switch {
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush(i) // camelCase
			start = i
		case unicode.IsUpper(prev) && unicode.IsLower(r) && i-1 > start:
			flush(i - 1) // ACLChecker: the C starts Checker
			start = i - 1
		}
	}
	flush(len(rs))
	return out
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
