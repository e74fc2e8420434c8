package secretlog

import (
	"bytes"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"github.com/ginleak/ginleak/analysis/gintypes"
)

// kind tells what sort of credential-bearing value an expression holds.
type kind uint8

const (
	none         kind = iota
	secret            // a credential: a header or cookie value, a password
	headerMap         // a whole header map
	headerValues      // the values of every header of a map
	request           // a whole *http.Request, recognised by its type
	reqText           // a request formatted into text
	dump              // httputil.DumpRequest output
)

// taint is what the analyzer knows about a value that carries credentials.
type taint struct {
	kind kind
	src  string // what it is, for messages: "the Authorization header value"
	// mapName is the header map a headerMap value is (r.Header).
	mapName string
	// verb formats a reqText value (%v).
	verb string
}

func (t taint) ok() bool { return t.kind != none }

// noReq drops request taint: a request inside a container, an element or
// a field is printed as a pointer, not as its headers.
func noReq(t taint) taint {
	if t.kind == request {
		return taint{}
	}
	return t
}

// credentialHeaders maps the lower-case names of the headers whose values
// are credentials to their canonical form.
var credentialHeaders = map[string]string{
	"authorization":       "Authorization",
	"proxy-authorization": "Proxy-Authorization",
	"cookie":              "Cookie",
	"set-cookie":          "Set-Cookie",
	"x-api-key":           "X-Api-Key",
}

// mentionsCredentialHeader reports whether s contains the name of a
// credential header, in any case.
func mentionsCredentialHeader(s string) bool {
	s = strings.ToLower(s)
	for name := range credentialHeaders {
		if strings.Contains(s, name) {
			return true
		}
	}
	return false
}

// redactWords are the words in a function's name that say it removes or
// hides a secret.
var redactWords = [][]byte{
	[]byte("redact"), []byte("mask"), []byte("sanitiz"), []byte("sanitis"), []byte("scrub"),
	[]byte("hash"), []byte("fingerprint"), []byte("anonymi"), []byte("obfuscat"),
}

// isRedactName reports whether a function named name redacts its input.
// It runs for every call, so it folds case without allocating.
func isRedactName(name string) bool {
	var buf [64]byte
	if name == "" || len(name) > len(buf) {
		return false
	}
	b := buf[:len(name)]
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	for _, w := range redactWords {
		if bytes.Contains(b, w) {
			return true
		}
	}
	return false
}

// isDigestPkg reports whether path is a package of cryptographic or hash
// functions: their output does not reveal the input.
func isDigestPkg(path string) bool {
	return strings.HasPrefix(path, "crypto/") || path == "hash" || strings.HasPrefix(path, "hash/") ||
		strings.HasPrefix(path, "golang.org/x/crypto/")
}

func isHeader(t types.Type) bool { return gintypes.IsNamed(t, gintypes.HTTPPath, "Header") }

func isCookie(t types.Type) bool {
	return gintypes.IsPointerTo(t, gintypes.HTTPPath, "Cookie") || gintypes.IsNamed(t, gintypes.HTTPPath, "Cookie")
}

func isBuilder(t types.Type) bool {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		t = p.Elem()
	}
	return gintypes.IsNamed(t, "strings", "Builder") || gintypes.IsNamed(t, "bytes", "Buffer")
}

// isLogFormatter reports whether sig is that of a gin LogFormatter,
// func(gin.LogFormatterParams) string.
func isLogFormatter(sig *types.Signature) bool {
	if sig == nil || sig.Params().Len() != 1 || sig.Results().Len() != 1 {
		return false
	}
	return gintypes.IsNamed(sig.Params().At(0).Type(), gintypes.GinPath, "LogFormatterParams") &&
		isString(sig.Results().At(0).Type())
}

func isString(t types.Type) bool {
	if t == nil {
		return false
	}
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&types.IsString != 0
}

func isBuiltin(info *types.Info, fun ast.Expr, name string) bool {
	id, ok := ast.Unparen(fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := info.Uses[id].(*types.Builtin)
	return ok && b.Name() == name
}

// callName is the name a call is made by: f in f(), pkg.f() and x.f().
func callName(call *ast.CallExpr) string {
	fun := ast.Unparen(call.Fun)
	for {
		switch f := fun.(type) {
		case *ast.Ident:
			return f.Name
		case *ast.SelectorExpr:
			return f.Sel.Name
		case *ast.IndexExpr: // f[T]()
			fun = ast.Unparen(f.X)
		case *ast.IndexListExpr:
			fun = ast.Unparen(f.X)
		default:
			return ""
		}
	}
}

func exprString(e ast.Expr) string {
	s := types.ExprString(e)
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

// constString returns e's value if it is a string constant.
func (w *walker) constString(e ast.Expr) (string, bool) {
	tv, ok := w.info.Types[e]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(tv.Value), true
}

func (w *walker) isConst(e ast.Expr) bool {
	tv, ok := w.info.Types[e]
	return ok && tv.Value != nil
}

// headerName returns the canonical name of a credential header that e
// names as a constant, and whether it is one.
func (w *walker) headerName(e ast.Expr) (string, bool) {
	s, ok := w.constString(e)
	if !ok {
		return "", false
	}
	name, ok := credentialHeaders[strings.ToLower(strings.TrimSpace(s))]
	return name, ok
}

// headerValue is the taint of the value of the header named by e: a
// credential header, or any header when e is the key of a loop over every
// header.
func (w *walker) headerValue(e ast.Expr) taint {
	if name, ok := w.headerName(e); ok {
		return taint{kind: secret, src: "the " + name + " header value"}
	}
	if v := w.localVar(e); v != nil {
		return w.keys[v]
	}
	return taint{}
}

// eval returns the taint of the value of e.
func (w *walker) eval(e ast.Expr) taint {
	e = ast.Unparen(e)
	if e == nil {
		return taint{}
	}
	if gintypes.IsRequest(w.info.TypeOf(e)) {
		return taint{kind: request, src: "*http.Request " + exprString(e)}
	}
	switch e := e.(type) {
	case *ast.Ident:
		if v := w.localVar(e); v != nil {
			return w.vars[v]
		}
	case *ast.SelectorExpr:
		return w.evalSelector(e)
	case *ast.CallExpr:
		return w.evalCall(e, 0)
	case *ast.IndexExpr:
		return w.evalIndex(e)
	case *ast.SliceExpr:
		return noReq(w.eval(e.X))
	case *ast.StarExpr:
		return noReq(w.eval(e.X))
	case *ast.UnaryExpr:
		if e.Op == token.AND {
			return noReq(w.eval(e.X))
		}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			if t := noReq(w.eval(e.X)); t.ok() {
				return t
			}
			return noReq(w.eval(e.Y))
		}
	case *ast.CompositeLit:
		for _, elt := range e.Elts {
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				if t := noReq(w.eval(kv.Value)); t.ok() {
					return t
				}
				elt = kv.Key
				if _, isField := kv.Key.(*ast.Ident); isField {
					continue // a struct field name, or a constant key
				}
			}
			if t := noReq(w.eval(elt)); t.ok() {
				return t
			}
		}
	case *ast.TypeAssertExpr:
		return noReq(w.eval(e.X))
	}
	return taint{}
}

func (w *walker) evalSelector(e *ast.SelectorExpr) taint {
	sel, ok := w.info.Selections[e]
	if !ok || sel.Kind() != types.FieldVal {
		return taint{} // a qualified identifier or a method value
	}
	field, _ := sel.Obj().(*types.Var)
	if field == nil {
		return taint{}
	}
	if field.Name() == "Header" && gintypes.PkgPath(field.Pkg()) == gintypes.HTTPPath && isHeader(field.Type()) {
		name := exprString(e)
		if gintypes.IsRequest(w.info.TypeOf(e.X)) {
			return taint{kind: headerMap, src: "the request headers " + name, mapName: name}
		}
		return taint{kind: headerMap, src: "the headers " + name, mapName: name}
	}
	base := noReq(w.eval(e.X))
	if !base.ok() {
		return taint{}
	}
	if isCookie(w.info.TypeOf(e.X)) && field.Name() != "Value" && field.Name() != "Raw" {
		return taint{} // the cookie's name, path, expiry...
	}
	return base
}

func (w *walker) evalIndex(e *ast.IndexExpr) taint {
	if isHeader(w.info.TypeOf(e.X)) {
		if t := w.headerValue(e.Index); t.ok() {
			return t
		}
		if w.isConst(e.Index) {
			return taint{} // r.Header["User-Agent"]
		}
	}
	return noReq(w.eval(e.X))
}

// Functions whose result (the first, or those listed) carries their first
// argument.
var (
	stringsFuncs = set("TrimPrefix", "TrimSuffix", "TrimSpace", "Trim", "TrimLeft", "TrimRight", "TrimFunc",
		"ToLower", "ToUpper", "ToTitle", "Title", "ToValidUTF8", "Fields", "FieldsFunc", "Split", "SplitN",
		"SplitAfter", "SplitAfterN", "Join", "Replace", "ReplaceAll", "Repeat", "Clone", "Cut", "CutPrefix",
		"CutSuffix", "Map")
	strconvFuncs = set("Quote", "QuoteToASCII", "QuoteToGraphic", "Unquote", "AppendQuote")
	urlFuncs     = set("QueryEscape", "PathEscape", "QueryUnescape", "PathUnescape")
	hexFuncs     = set("EncodeToString", "DecodeString", "Dump")
	jsonFuncs    = set("Marshal", "MarshalIndent")
	fmtFuncs     = set("Sprint", "Sprintf", "Sprintln", "Errorf", "Append", "Appendf", "Appendln")
	encodings    = set("EncodeToString", "DecodeString", "AppendEncode", "AppendDecode")
	// Methods that return their receiver's contents: sb.String(),
	// h.Clone(), cookie.String(), err.Error().
	contents = set("String", "Bytes", "Clone", "Error")
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// evalCall returns the taint of result idx of call.
func (w *walker) evalCall(call *ast.CallExpr, idx int) taint {
	fun := ast.Unparen(call.Fun)
	if tv, ok := w.info.Types[fun]; ok && tv.IsType() {
		if idx == 0 && len(call.Args) == 1 {
			return noReq(w.eval(call.Args[0])) // string(b), []byte(s)
		}
		return taint{}
	}
	name := callName(call)
	if name == "" || isRedactName(name) {
		return taint{}
	}
	if name == "append" && isBuiltin(w.info, fun, "append") {
		for _, a := range call.Args {
			if t := noReq(w.eval(a)); t.ok() {
				return t
			}
		}
		return taint{}
	}
	fn := gintypes.Callee(w.info, call)
	if fn == nil {
		return taint{}
	}
	path := gintypes.PkgPath(fn.Pkg())
	if isDigestPkg(path) {
		return taint{}
	}
	sig, _ := fn.Type().(*types.Signature)
	if sig == nil {
		return taint{}
	}
	arg0 := func() taint {
		if len(call.Args) == 0 {
			return taint{}
		}
		return noReq(w.eval(call.Args[0]))
	}
	if sig.Recv() == nil {
		switch path {
		case "fmt":
			if fmtFuncs[name] && idx == 0 {
				from, fmtIdx := 0, -1
				if strings.HasSuffix(name, "f") {
					fmtIdx = 0
				}
				if strings.HasPrefix(name, "Append") {
					from, fmtIdx = 1, fmtIdx+1 // Appendf(b, format, ...)
				}
				h, ok := w.firstTainted(call, from, fmtIdx)
				if !ok {
					return taint{}
				}
				if h.t.kind == request {
					return taint{kind: reqText, src: h.t.src, verb: h.verb}
				}
				return h.t
			}
		case "errors":
			if name == "New" {
				return arg0()
			}
		case "strings", "bytes":
			if stringsFuncs[name] && (idx == 0 || (name == "Cut" && idx == 1)) {
				return arg0()
			}
		case "strconv":
			if strconvFuncs[name] && idx == 0 {
				return arg0()
			}
		case "net/url":
			if urlFuncs[name] && idx == 0 {
				return arg0()
			}
		case "encoding/hex":
			if hexFuncs[name] && idx == 0 {
				return arg0()
			}
		case "encoding/json":
			if jsonFuncs[name] && idx == 0 {
				return arg0()
			}
		case "net/http/httputil":
			if (name == "DumpRequest" || name == "DumpRequestOut") && idx == 0 {
				return taint{kind: dump, src: "the request dump from httputil." + name}
			}
		case "log/slog", zapPath:
			// Attribute and field constructors: slog.String("auth", tok),
			// zap.Any("req", r). A request keeps its kind: the handler
			// prints it whole.
			if idx == 0 {
				for _, a := range call.Args {
					if t := w.eval(a); t.ok() {
						return t
					}
				}
			}
		}
		return taint{}
	}

	sel, _ := fun.(*ast.SelectorExpr)
	switch {
	case gintypes.IsMethod(fn, gintypes.IsGinContext, "GetHeader"):
		if idx == 0 && len(call.Args) == 1 {
			return w.headerValue(call.Args[0])
		}
	case gintypes.IsMethod(fn, gintypes.IsGinContext, "Cookie"):
		if idx == 0 {
			return w.cookie(call)
		}
	case gintypes.IsMethod(fn, gintypes.IsRequest, "Cookie"):
		if idx == 0 {
			return w.cookie(call)
		}
	case gintypes.IsMethod(fn, gintypes.IsRequest, "Cookies"):
		if idx == 0 {
			return taint{kind: secret, src: "a cookie value from " + exprString(call)}
		}
	case gintypes.IsMethod(fn, gintypes.IsRequest, "BasicAuth"):
		if idx == 1 {
			return taint{kind: secret, src: "the password from BasicAuth"}
		}
	case gintypes.IsMethod(fn, isHeader, "Get", "Values"):
		if idx == 0 && len(call.Args) == 1 {
			return w.headerValue(call.Args[0])
		}
	case name == "Header" && len(call.Args) == 0 && sig.Results().Len() == 1 && isHeader(sig.Results().At(0).Type()):
		// w.Header(), c.Writer.Header(): the response headers.
		if sel != nil {
			s := exprString(call)
			return taint{kind: headerMap, src: "the response headers " + s, mapName: s}
		}
	case sel != nil && idx == 0 && contents[name] && len(call.Args) == 0:
		return noReq(w.eval(sel.X))
	case idx == 0 && encodings[name] && (path == "encoding/base64" || path == "encoding/base32"):
		return arg0()
	}
	return taint{}
}

// cookie is the taint of the value c.Cookie(name) or r.Cookie(name)
// returns.
func (w *walker) cookie(call *ast.CallExpr) taint {
	if len(call.Args) == 1 {
		if s, ok := w.constString(call.Args[0]); ok {
			return taint{kind: secret, src: "the value of cookie " + strconv.Quote(s)}
		}
	}
	return taint{kind: secret, src: "a cookie value"}
}
