package doublebind

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"sort"
	"strings"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/rule"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// Analyzer reports a request body read twice on one path through a handler.
var Analyzer = &analysis.Analyzer{
	Name:       "doublebind",
	Doc:        Doc,
	URL:        rule.DocsBase + "doublebind.md",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: rule.ResultType,
	Run:        run,
}

// id is the rule's stable ID; run uses it rather than Rule.ID, which would
// make Analyzer, run and Rule an initialization cycle.
const id = "GL1009"

// Rule is the analyzer's rule metadata.
var Rule = rule.Rule{
	Analyzer: Analyzer,
	ID:       id,
	Title:    "request body read twice; the second read sees an empty body",
	Severity: rule.Error,
	Since:    "v0.2.0",
}

const bindingPath = gintypes.GinPath + "/binding"

// guardPath is the package of ginleak's runtime middleware.
const guardPath = "github.com/ginleak/ginleak/guard"

// kind says how a read consumes the body; a bind whose binding depends on
// the request (c.ShouldBind) has more than one bit.
type kind uint8

const (
	raw    kind = 1 << iota // drains the stream: io.ReadAll, GetRawData, a decoder
	decode                  // a binding that decodes the body: JSON, XML, ...
	form                    // a form binding: net/http keeps the parsed form
	cached                  // ShouldBindBodyWith: reads once, keeps the bytes in the context
)

// conflicts reports whether a read of kind b after a read of kind a sees
// an empty body. Two cached reads share the cached bytes, two form binds
// share the parsed form, and a form bind and a decoding bind never both
// read: only one of them matches the content type (form parsing leaves
// other bodies alone; a JSON body does not parse as a form either way).
func conflicts(a, b kind) bool {
	switch {
	case a == 0 || b == 0:
		return false
	case a&cached != 0 && b&cached != 0:
		return false
	case a&raw != 0 || b&raw != 0:
		return true
	}
	return a&(decode|cached) != 0 && b&(decode|cached) != 0
}

// read is one call that consumes a request body.
type read struct {
	call *ast.CallExpr
	name string // for the message: "c.ShouldBindJSON", "io.ReadAll"
	req  string // the request read, as text: "c.Request", "r"
	kind kind
	bind bool // a gin bind rather than a raw read

	// For the fix: sel is the selector of a gin method call. bindingVar is
	// the binding a c.ShouldBind<Kind> call uses ("JSON"); withBody is set
	// for c.ShouldBindWith(obj, b) with b a binding.BindingBody.
	sel        *ast.SelectorExpr
	bindingVar string
	withBody   bool

	fn     ast.Node // the innermost function holding the call
	inLoop bool     // inside a for or range statement of fn
	// loop is the outermost for or range statement of fn around the call
	// (header included), or nil. Without goto, control reaches an earlier
	// read, or the same read again, only through a loop around both.
	loop ast.Node
}

// fixable reports whether the read can become c.ShouldBindBodyWith.
func (r *read) fixable() bool { return r.bindingVar != "" || r.withBody }

func run(pass *analysis.Pass) (any, error) {
	rep := rule.NewReporter(pass, id)
	if !gintypes.ImportsGinOrHTTP(pass.Pkg) {
		return rep.Result(), nil
	}
	ins, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return rep.Result(), nil
	}
	info := pass.TypesInfo

	byFunc := make(map[ast.Node][]*read)
	var order []ast.Node
	handlerish := make(map[ast.Node]bool)
	precached := false
	for cur := range ins.Root().Preorder((*ast.CallExpr)(nil)) {
		call, ok := cur.Node().(*ast.CallExpr)
		if !ok {
			continue
		}
		if !precached && cachesBody(info, call) {
			precached = true
		}
		r := readOf(info, call)
		if r == nil {
			continue
		}
		switch cur.Parent().Node().(type) {
		case *ast.DeferStmt, *ast.GoStmt:
			continue // runs at another time, not in this path
		}
		if !inHandler(info, cur, handlerish) {
			continue
		}
		for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
			r.fn = fc.Node()
			break
		}
		r.inLoop = inLoop(cur)
		r.loop = outerLoop(cur)
		if byFunc[r.fn] == nil {
			order = append(order, r.fn)
		}
		byFunc[r.fn] = append(byFunc[r.fn], r)
	}

	c := &checker{pass: pass, rep: rep}
	for _, fn := range order {
		reads := byFunc[fn]
		if precached {
			reads = slices.DeleteFunc(reads, func(r *read) bool { return r.kind == cached })
		}
		c.checkFunc(fn, reads)
	}
	return rep.Result(), nil
}

// cachesBody reports whether call puts the body bytes into the context
// ahead of the handlers: guard.CaptureBody, or c.Set(gin.BodyBytesKey, ...)
// in a middleware. c.ShouldBindBodyWith then binds from those bytes and
// never reads the body, in every handler of the package (an
// approximation: where the middleware is registered is not checked).
func cachesBody(info *types.Info, call *ast.CallExpr) bool {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	switch sel.Sel.Name {
	case "CaptureBody":
		return gintypes.IsFunc(gintypes.Callee(info, call), guardPath, "CaptureBody")
	case "Set":
		if len(call.Args) != 2 || !gintypes.IsContextMethod(info, call, "Set") {
			return false
		}
		c, ok := gintypes.ObjectOf(info, call.Args[0]).(*types.Const)
		return ok && c.Name() == "BodyBytesKey" && c.Pkg() != nil &&
			(c.Pkg().Path() == gintypes.GinPath || strings.HasSuffix(c.Pkg().Path(), "/vendor/"+gintypes.GinPath))
	}
	return false
}

type checker struct {
	pass *analysis.Pass
	rep  *rule.Reporter
}

// checkFunc reports each read that an earlier conflicting read of the same
// request reaches (or, in a loop, that reaches itself).
func (c *checker) checkFunc(fn ast.Node, reads []*read) {
	if !worthAFlow(reads) {
		return // the cheap case: nothing can conflict, no graph needed
	}
	body := gintypes.FuncBody(fn)
	if body == nil {
		return
	}
	sort.Slice(reads, func(i, j int) bool { return reads[i].call.Pos() < reads[j].call.Pos() })
	f := newFlow(c.pass.TypesInfo, body, reads)
	back := hasGoto(body)
	for j, b := range reads {
		if a := firstReaching(f, reads, j, back); a != nil {
			c.report(a, b)
		}
	}
}

// firstReaching returns the read that consumed the body before reads[j]
// on some path: the closest earlier conflicting read that reaches it, else
// reads[j] itself when it runs again (a loop), else a later read that
// reaches it through a loop or goto; or nil. gotos says whether the
// function has a goto; without one, only a loop around both reads can take
// control back to an earlier read (or the same one), so the graph is not
// searched for the other pairs: in a long generated handler those
// searches, each over the rest of the function, were quadratic in its size.
func firstReaching(f *flow, reads []*read, j int, gotos bool) *read {
	b := reads[j]
	try := func(a *read) bool { return a.req == b.req && conflicts(a.kind, b.kind) && f.reaches(a, b) }
	for i := j - 1; i >= 0; i-- {
		if try(reads[i]) {
			return reads[i]
		}
	}
	if (gotos || b.loop != nil) && try(b) {
		return b
	}
	for _, a := range reads[j+1:] {
		if (gotos || a.loop != nil && a.loop == b.loop) && try(a) {
			return a
		}
	}
	return nil
}

// hasGoto reports whether body has a goto statement outside its function
// literals (each literal is a function of its own).
func hasGoto(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.BranchStmt:
			found = found || n.Tok == token.GOTO
		}
		return !found
	})
	return found
}

// worthAFlow reports whether some pair of reads of one request conflicts,
// or a read in a loop conflicts with itself.
func worthAFlow(reads []*read) bool {
	for i, b := range reads {
		if b.inLoop && conflicts(b.kind, b.kind) {
			return true
		}
		for _, a := range reads[:i] {
			if a.req == b.req && (conflicts(a.kind, b.kind) || conflicts(b.kind, a.kind)) {
				return true
			}
		}
	}
	return false
}

func (c *checker) report(first, second *read) {
	var msg string
	if first == second {
		msg = fmt.Sprintf("%s reads the request body on every iteration of the loop: "+
			"from the second iteration on it sees an empty body (EOF) — %s",
			second.name, advice(first, second))
	} else {
		what := "the second bind sees an empty body (EOF)"
		if !second.bind {
			what = "it gets an empty body"
		}
		when := ""
		if first.call.Pos() > second.call.Pos() {
			when = " on an earlier pass"
		}
		msg = fmt.Sprintf("%s reads the request body, which %s already consumed at line %d%s: %s — %s",
			second.name, first.name, c.pass.Fset.Position(first.call.Pos()).Line, when, what, advice(first, second))
	}
	c.rep.Report(analysis.Diagnostic{
		Pos:            second.call.Pos(),
		End:            second.call.End(),
		Message:        msg,
		SuggestedFixes: c.fix(first, second),
	})
}

// advice says what to do about a conflicting pair.
func advice(first, second *read) string {
	if !first.bind || !second.bind {
		return fmt.Sprintf("read the body once and reuse the bytes, or put them back with "+
			"%s.Body = io.NopCloser(bytes.NewReader(body)) after the first read", second.req)
	}
	bb := "binding.JSON"
	switch {
	case second.bindingVar != "":
		bb = "binding." + second.bindingVar
	case second.withBody:
		bb = types.ExprString(second.call.Args[1])
	}
	recv := strings.TrimSuffix(second.req, ".Request")
	switch {
	case first == second:
		return fmt.Sprintf("bind once before the loop, or use %s.ShouldBindBodyWith(&v, %s)", recv, bb)
	case first.kind == cached:
		return fmt.Sprintf("use %s.ShouldBindBodyWith(&v, %s) for this bind too", recv, bb)
	}
	return fmt.Sprintf("bind once, or use %s.ShouldBindBodyWith(&v, %s) for both", recv, bb)
}

// readOf returns the read when call consumes a request body, else nil.
func readOf(info *types.Info, call *ast.CallExpr) *read {
	var name string
	switch fun := ast.Unparen(call.Fun).(type) {
	case *ast.SelectorExpr:
		name = fun.Sel.Name
	case *ast.Ident: // a dot import
		name = fun.Name
	default:
		return nil
	}
	if !strings.Contains(name, "Bind") && !readFuncs[name] {
		return nil // most calls: skip the type lookups
	}
	fn := gintypes.Callee(info, call)
	if fn == nil {
		return nil
	}
	if gintypes.IsMethod(fn, gintypes.IsGinContext, name) {
		return ginRead(info, call, name)
	}
	var src ast.Expr
	switch {
	case gintypes.IsFunc(fn, "io", "ReadAll") || gintypes.IsFunc(fn, "io/ioutil", "ReadAll") ||
		gintypes.IsFunc(fn, "encoding/json", "NewDecoder") || gintypes.IsFunc(fn, "encoding/xml", "NewDecoder"):
		if len(call.Args) == 1 {
			src = call.Args[0]
		}
	case gintypes.IsFunc(fn, "io", "Copy", "CopyBuffer"):
		if len(call.Args) >= 2 {
			src = call.Args[1]
		}
	}
	req := requestOfBody(info, src)
	if req == nil {
		return nil
	}
	return &read{call: call, name: fn.Pkg().Name() + "." + fn.Name(), req: types.ExprString(req), kind: raw}
}

// readFuncs are the names of the non-bind calls readOf recognises.
var readFuncs = map[string]bool{"ReadAll": true, "Copy": true, "CopyBuffer": true, "NewDecoder": true, "GetRawData": true}

// bindingVars maps c.ShouldBind<Kind> and c.Bind<Kind> suffixes to the
// binding variable that decodes the body.
var bindingVars = map[string]string{
	"JSON": "JSON", "XML": "XML", "YAML": "YAML", "TOML": "TOML", "Plain": "Plain",
	"ProtoBuf": "ProtoBuf", "MsgPack": "MsgPack",
}

// ginRead classifies a call of the *gin.Context method name.
func ginRead(info *types.Info, call *ast.CallExpr, name string) *read {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	r := &read{
		call: call,
		name: types.ExprString(ast.Unparen(sel.X)) + "." + name,
		req:  types.ExprString(ast.Unparen(sel.X)) + ".Request",
		bind: true,
		sel:  sel,
	}
	switch {
	case name == "GetRawData":
		r.kind, r.bind = raw, false
	case name == "ShouldBind" || name == "Bind":
		r.kind = decode | form // binding.Default picks by method and content type
	case name == "ShouldBindBodyWith" || strings.HasPrefix(name, "ShouldBindBodyWith"):
		r.kind = cached
	case name == "ShouldBindWith" || name == "MustBindWith":
		if len(call.Args) != 2 {
			return nil
		}
		r.kind = bindingKind(info, call.Args[1])
		r.withBody = name == "ShouldBindWith" && r.kind == decode &&
			gintypes.IsNamed(info.TypeOf(call.Args[1]), bindingPath, "BindingBody")
	case strings.HasPrefix(name, "ShouldBind"):
		if v := bindingVars[strings.TrimPrefix(name, "ShouldBind")]; v != "" {
			r.kind = decode
			if len(call.Args) == 1 {
				r.bindingVar = v
			}
		}
	case strings.HasPrefix(name, "Bind"):
		if bindingVars[strings.TrimPrefix(name, "Bind")] != "" {
			r.kind = decode // aborts with 400 on error: no fix to ShouldBindBodyWith
		}
	}
	if r.kind == 0 {
		return nil // BindQuery, ShouldBindUri, ShouldBindHeader, ...: no body
	}
	return r
}

// bindingKind classifies the binding argument of ShouldBindWith: a
// binding package variable by name, binding.Default by what it may pick,
// any other binding.BindingBody as decoding; other values are unknown
// and not counted.
func bindingKind(info *types.Info, e ast.Expr) kind {
	e = ast.Unparen(e)
	switch e := e.(type) {
	case *ast.SelectorExpr, *ast.Ident:
		if v, ok := gintypes.ObjectOf(info, e).(*types.Var); ok && gintypes.IsPackageLevel(v) && isBindingPkg(v.Pkg()) {
			switch v.Name() {
			case "JSON", "XML", "YAML", "TOML", "ProtoBuf", "MsgPack", "Plain", "BSON":
				return decode
			case "Form", "FormPost", "FormMultipart":
				return form
			case "Query", "Uri", "Header":
				return 0
			}
		}
	case *ast.CallExpr:
		if gintypes.IsFunc(gintypes.Callee(info, e), bindingPath, "Default") {
			return decode | form
		}
	}
	if gintypes.IsNamed(info.TypeOf(e), bindingPath, "BindingBody") {
		return decode
	}
	return 0
}

func isBindingPkg(p *types.Package) bool {
	return p != nil && (p.Path() == bindingPath || strings.HasSuffix(p.Path(), "/vendor/"+bindingPath))
}

// requestOfBody returns r when e is r.Body of an *http.Request, looking
// through io.LimitReader and http.MaxBytesReader, which still consume the
// body they wrap.
func requestOfBody(info *types.Info, e ast.Expr) ast.Expr {
	for e != nil {
		e = ast.Unparen(e)
		call, ok := e.(*ast.CallExpr)
		if !ok {
			break
		}
		fn := gintypes.Callee(info, call)
		switch {
		case gintypes.IsFunc(fn, "io", "LimitReader") && len(call.Args) == 2:
			e = call.Args[0]
		case gintypes.IsFunc(fn, gintypes.HTTPPath, "MaxBytesReader") && len(call.Args) == 3:
			e = call.Args[1]
		default:
			return nil
		}
	}
	if sel, ok := e.(*ast.SelectorExpr); ok && gintypes.IsRequestBody(info, sel) {
		return ast.Unparen(sel.X)
	}
	return nil
}

// inHandler reports whether the call at cur lies in a function that handles
// a request (it has a *gin.Context parameter, or both an
// http.ResponseWriter and an *http.Request) or in a literal inside one.
func inHandler(info *types.Info, cur inspector.Cursor, memo map[ast.Node]bool) bool {
	for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		n := fc.Node()
		h, ok := memo[n]
		if !ok {
			h = handlesRequest(gintypes.FuncSignature(info, n))
			memo[n] = h
		}
		if h {
			return true
		}
	}
	return false
}

// handlesRequest reports whether sig takes a *gin.Context, or both an
// http.ResponseWriter and an *http.Request.
func handlesRequest(sig *types.Signature) bool {
	if sig == nil {
		return false
	}
	var w, r bool
	for v := range sig.Params().Variables() {
		t := v.Type()
		switch {
		case gintypes.IsGinContext(t):
			return true
		case gintypes.IsNamed(t, gintypes.HTTPPath, "ResponseWriter"):
			w = true
		case gintypes.IsPointerTo(t, gintypes.HTTPPath, "Request"):
			r = true
		}
	}
	return w && r
}

// outerLoop returns the outermost for or range statement around cur in its
// innermost function, header included, or nil.
func outerLoop(cur inspector.Cursor) ast.Node {
	var loop ast.Node
	for p := range cur.Enclosing((*ast.ForStmt)(nil), (*ast.RangeStmt)(nil), (*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		switch n := p.Node().(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			loop = n
			continue
		}
		break
	}
	return loop
}

// inLoop reports whether cur is inside a for or range statement of its
// innermost function.
func inLoop(cur inspector.Cursor) bool {
	for p := range cur.Enclosing((*ast.ForStmt)(nil), (*ast.RangeStmt)(nil), (*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		switch n := p.Node().(type) {
		case *ast.ForStmt:
			return n.Body != nil && n.Body.Pos() <= cur.Node().Pos()
		case *ast.RangeStmt:
			return n.Body != nil && n.Body.Pos() <= cur.Node().Pos()
		}
		return false
	}
	return false
}
