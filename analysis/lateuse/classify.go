package lateuse

import (
	"go/ast"
	"go/types"
	"slices"
	"strings"
	"unicode"

	"github.com/ginleak/ginleak/analysis/gintypes"
)

// What a route is, for deciding which late middleware it may miss on
// purpose.
type routeKind int

const (
	// kindAPI is any route not below: every late middleware matters.
	kindAPI routeKind = iota
	// kindPublic routes (health, metrics, docs, static paths) are
	// registered before all middleware on purpose.
	kindPublic
	// kindEarly routes (static files, login and OAuth/OIDC callbacks) are
	// registered before response-header middleware (CORS, security
	// headers) on purpose, but should still get logging, recovery, rate
	// limits and the like.
	kindEarly
)

// kindOf classifies a registration by its method and constant path (ok
// false when the path is not a constant).
func kindOf(method, path string, ok bool) routeKind {
	switch {
	case ok && isPublicPath(path):
		return kindPublic
	case staticMethods[method]:
		return kindEarly
	case ok && isEarlyPath(path):
		return kindEarly
	}
	return kindAPI
}

// staticMethods serve files from disk or an fs.FS.
var staticMethods = map[string]bool{"Static": true, "StaticFile": true, "StaticFS": true, "StaticFileFS": true}

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
	segs := segments(p)
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
		if isAccessText(middlewareText(info, arg)) {
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

// segments splits a route path into its non-empty segments.
func segments(p string) []string {
	var segs []string
	for s := range strings.SplitSeq(p, "/") {
		if s != "" {
			segs = append(segs, s)
		}
	}
	return segs
}

// earlyNames, and segments starting with earlyPrefixes, name login and
// OAuth/OIDC callback endpoints: they must answer before the user is
// authenticated, and cross-origin headers are moot for them (the browser
// navigates there).
var (
	earlyNames    = map[string]bool{"login": true, "logout": true, "signin": true, "callback": true}
	earlyPrefixes = []string{"oauth", "oidc"}
)

// isEarlyPath reports whether any literal segment of p (not :param or
// *any) names a login or callback endpoint: /login, /api/v1/login,
// /auth/callback, /oauth2/authorize, /oidc/:provider/callback.
func isEarlyPath(p string) bool {
	for _, s := range segments(p) {
		if s[0] == ':' || s[0] == '*' {
			continue
		}
		s, _, _ = strings.Cut(strings.ToLower(s), ".")
		if earlyNames[s] {
			return true
		}
		for _, pre := range earlyPrefixes {
			if strings.HasPrefix(s, pre) {
				return true
			}
		}
	}
	return false
}

// headerWords, as words of a middleware's text or its package path, mark
// response-header middleware: github.com/gin-contrib/cors, github.com/rs/cors,
// gin-contrib/secure, unrolled/secure, helmet ports, SecurityHeaders().
var headerWords = []string{"cors", "header", "headers", "secure", "security", "helmet"}

// notHeaderWords mark middleware that do more than set headers even when
// a header word is in the name (LogHeaders, SecureRateLimit).
var notHeaderWords = []string{
	"log", "logger", "logging", "limit", "limiter", "rate", "ratelimit", "throttle",
	"recover", "recovery",
}

// isHeaderText reports whether a middleware's text names response-header
// middleware and nothing else this rule cares about.
func isHeaderText(text string) bool {
	if isAccessText(text) {
		return false
	}
	ws := words(text)
	header := false
	for _, w := range ws {
		if slices.Contains(notHeaderWords, w) {
			return false
		}
		header = header || slices.Contains(headerWords, w)
	}
	return header
}

// classifier answers questions about the middleware given to Use; it finds
// same-package function declarations lazily.
type classifier struct {
	info  *types.Info
	files []*ast.File
	decls map[*types.Func]*ast.FuncDecl
}

// headerOnly reports whether every middleware in args only sets response
// headers: each is named like CORS or header middleware (by its text or
// its package), or is a function literal or same-package function (or a
// factory returning a literal) whose body only sets headers.
func (cl *classifier) headerOnly(args []ast.Expr) bool {
	for _, arg := range args {
		if !isHeaderText(middlewareText(cl.info, arg)) && !cl.setsHeadersOnly(arg) {
			return false
		}
	}
	return len(args) > 0
}

// middlewareText is a middleware argument's source text followed by the
// package path of the function that makes it or names it.
func middlewareText(info *types.Info, arg ast.Expr) string {
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
	return text
}

// setsHeadersOnly reports whether the middleware arg is code of this
// package whose body only sets headers: a literal, a function named by
// value, or a call of a factory whose return statements return literals.
func (cl *classifier) setsHeadersOnly(arg ast.Expr) bool {
	switch a := ast.Unparen(arg).(type) {
	case *ast.FuncLit:
		return headerBody(cl.info, a.Body)
	case *ast.CallExpr:
		decl := cl.decl(gintypes.Callee(cl.info, a))
		if decl == nil || decl.Body == nil {
			return false
		}
		n := 0
		for _, st := range decl.Body.List {
			ret, ok := st.(*ast.ReturnStmt)
			if !ok {
				continue
			}
			if len(ret.Results) != 1 {
				return false
			}
			lit, ok := ast.Unparen(ret.Results[0]).(*ast.FuncLit)
			if !ok || !headerBody(cl.info, lit.Body) {
				return false
			}
			n++
		}
		return n > 0
	case *ast.Ident, *ast.SelectorExpr:
		fn, _ := gintypes.ObjectOf(cl.info, a).(*types.Func)
		if decl := cl.decl(fn); decl != nil && decl.Body != nil {
			return headerBody(cl.info, decl.Body)
		}
	}
	return false
}

// decl returns fn's declaration when it is in this package.
func (cl *classifier) decl(fn *types.Func) *ast.FuncDecl {
	if fn == nil {
		return nil
	}
	if cl.decls == nil {
		cl.decls = make(map[*types.Func]*ast.FuncDecl)
		for _, f := range cl.files {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok {
					if obj, ok := cl.info.Defs[fd.Name].(*types.Func); ok {
						cl.decls[obj] = fd
					}
				}
			}
		}
	}
	return cl.decls[fn.Origin()]
}

// headerBody reports whether a middleware body only sets response headers:
// it sets at least one (c.Header, c.Writer.Header().Set/Add) and calls
// nothing but header methods, c.Next, c.Abort, c.AbortWithStatus (a CORS
// preflight answer), the strings package and builtins.
func headerBody(info *types.Info, body *ast.BlockStmt) bool {
	sets, other := false, false
	ast.Inspect(body, func(n ast.Node) bool {
		if other {
			return false
		}
		switch n := n.(type) {
		case *ast.FuncLit, *ast.GoStmt:
			other = true // work that runs elsewhere or later
			return false
		case *ast.CallExpr:
			switch headerCall(info, n) {
			case callSets:
				sets = true
			case callOther:
				other = true
			}
		}
		return true
	})
	return sets && !other
}

type callKind int

const (
	callOther callKind = iota
	callAllowed
	callSets
)

// headerCall classifies one call in a middleware body.
func headerCall(info *types.Info, call *ast.CallExpr) callKind {
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if _, ok := info.Uses[id].(*types.Builtin); ok {
			return callAllowed
		}
	}
	fn := gintypes.Callee(info, call)
	switch {
	case fn == nil:
		return callOther
	case gintypes.IsMethod(fn, gintypes.IsGinContext, "Header"):
		return callSets
	case gintypes.IsMethod(fn, gintypes.IsGinContext, "Next", "Abort", "AbortWithStatus", "GetHeader"):
		return callAllowed
	case gintypes.IsMethod(fn, isHTTPHeader, "Set", "Add", "Del"):
		return callSets
	case gintypes.IsMethod(fn, isHTTPHeader, "Get", "Values"):
		return callAllowed
	case fn.Name() == "Header" && returnsHTTPHeader(fn):
		return callAllowed // c.Writer.Header(), w.Header()
	case fn.Pkg() != nil && fn.Pkg().Path() == "strings":
		return callAllowed
	}
	return callOther
}

func isHTTPHeader(t types.Type) bool { return gintypes.IsNamed(t, gintypes.HTTPPath, "Header") }

func returnsHTTPHeader(fn *types.Func) bool {
	res := fn.Signature().Results()
	return res.Len() == 1 && isHTTPHeader(res.At(0).Type())
}
