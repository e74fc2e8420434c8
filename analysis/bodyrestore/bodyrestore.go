package bodyrestore

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/internal/fixutil"
	"github.com/ginleak/ginleak/analysis/rule"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// Analyzer reports middleware that drains the request body and passes the
// request on without assigning a new one.
var Analyzer = &analysis.Analyzer{
	Name:       "bodyrestore",
	Doc:        Doc,
	URL:        rule.DocsBase + "bodyrestore.md",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: rule.ResultType,
	Run:        run,
}

// id is the rule's stable ID; run uses it rather than Rule.ID, which would
// make Analyzer, run and Rule an initialization cycle.
const id = "GL1002"

// Rule is the analyzer's rule metadata.
var Rule = rule.Rule{
	Analyzer: Analyzer,
	ID:       id,
	Title:    "middleware consumes the request body without restoring it",
	Severity: rule.Error,
	Since:    "v0.1.0",
}

// bodyRead is one call that drains a request body.
type bodyRead struct {
	cur  inspector.Cursor // the call
	call *ast.CallExpr
	by   string   // what reads, for the message: "io.ReadAll", "c.GetRawData"
	req  ast.Expr // the request whose body is read (nil for GetRawData)
	ctx  ast.Expr // the receiver of GetRawData
	dst  ast.Expr // the destination of io.Copy*, else nil
}

// reqText is the request expression as source text, e.g. "c.Request".
func (r *bodyRead) reqText() string {
	if r.req != nil {
		return types.ExprString(r.req)
	}
	return types.ExprString(r.ctx) + ".Request"
}

// reqExprOK reports whether the request expression can be repeated in a
// fix without changing what it means (no calls, no indexing).
func (r *bodyRead) reqExprOK() bool {
	if r.req != nil {
		return fixutil.Repeatable(r.req)
	}
	return fixutil.Repeatable(r.ctx)
}

// middleware is what one function does with the request: the body reads and
// the calls that pass the request on, both in source order.
type middleware struct {
	fn      inspector.Cursor
	reads   []*bodyRead
	passOns []*ast.CallExpr
}

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

	var order []*middleware
	byFunc := make(map[ast.Node]*middleware)
	enclosing := func(cur inspector.Cursor) *middleware {
		for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
			m := byFunc[fc.Node()]
			if m == nil {
				m = &middleware{fn: fc}
				byFunc[fc.Node()] = m
				order = append(order, m)
			}
			return m
		}
		return nil // a call in a package-level var initialiser
	}
	for cur := range ins.Root().Preorder((*ast.CallExpr)(nil)) {
		call, ok := cur.Node().(*ast.CallExpr)
		if !ok {
			continue
		}
		if r := readOf(info, call); r != nil {
			if m := enclosing(cur); m != nil {
				r.cur = cur
				m.reads = append(m.reads, r)
			}
		} else if isPassOn(info, call) {
			if m := enclosing(cur); m != nil {
				m.passOns = append(m.passOns, call)
			}
		}
	}

	c := &checker{pass: pass, rep: rep, restores: make(map[*types.Func]bool)}
	for _, m := range order {
		if len(m.reads) > 0 && len(m.passOns) > 0 {
			c.check(m)
		}
	}
	return rep.Result(), nil
}

type checker struct {
	pass     *analysis.Pass
	rep      *rule.Reporter
	decls    map[*types.Func]*ast.FuncDecl // built on first use
	restores map[*types.Func]bool          // memo of helperRestores
}

func (c *checker) check(m *middleware) {
	body := gintypes.FuncBody(m.fn.Node())
	if body == nil {
		return
	}
	for _, r := range m.reads {
		p := firstReachablePassOn(r, m.passOns)
		if p == nil || c.restoredBetween(body, r.call, p.Pos()) {
			continue
		}
		c.report(r, p)
	}
}

// firstReachablePassOn returns the first pass-on call after the read that
// control can reach from it, or nil.
func firstReachablePassOn(r *bodyRead, passOns []*ast.CallExpr) *ast.CallExpr {
	for _, p := range passOns {
		if p.Pos() >= r.call.End() && !blocked(r.cur, p.Pos()) {
			return p
		}
	}
	return nil
}

func (c *checker) report(r *bodyRead, p *ast.CallExpr) {
	fset := c.pass.Fset
	passText := types.ExprString(p)
	if len(passText) > 40 {
		passText = types.ExprString(p.Fun) + "(...)"
	}
	data := "data"
	if v, _ := c.dataExpr(r); v != nil {
		data = types.ExprString(v)
	}
	how := "assign"
	if data == "data" {
		how = "keep the bytes read and assign"
	}
	msg := fmt.Sprintf("request body is read by %s here but not restored before %s at line %d; "+
		"later handlers see an empty body — %s %s.Body = io.NopCloser(bytes.NewReader(%s)) after reading",
		r.by, passText, fset.Position(p.Pos()).Line, how, r.reqText(), data)
	c.rep.Report(analysis.Diagnostic{
		Pos:            r.call.Pos(),
		End:            r.call.End(),
		Message:        msg,
		SuggestedFixes: c.fix(r),
	})
}

// readOf returns the read when call drains a request body, else nil.
// c.ShouldBindBodyWith is not a read: it caches the body for later binds.
func readOf(info *types.Info, call *ast.CallExpr) *bodyRead {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	switch sel.Sel.Name {
	case "ReadAll", "Copy", "CopyN", "CopyBuffer", "GetRawData":
	default:
		return nil // most calls: skip the type lookups
	}
	fn := gintypes.Callee(info, call)
	if fn == nil {
		return nil
	}
	var src, dst ast.Expr
	switch {
	case gintypes.IsFunc(fn, "io", "ReadAll") || gintypes.IsFunc(fn, "io/ioutil", "ReadAll"):
		if len(call.Args) != 1 {
			return nil
		}
		src = call.Args[0]
	case gintypes.IsFunc(fn, "io", "Copy", "CopyN", "CopyBuffer"):
		if len(call.Args) < 2 {
			return nil
		}
		dst, src = call.Args[0], call.Args[1]
	case gintypes.IsMethod(fn, gintypes.IsGinContext, "GetRawData"):
		return &bodyRead{call: call, by: types.ExprString(sel.X) + ".GetRawData", ctx: sel.X}
	default:
		return nil
	}
	req := requestOfBody(info, src)
	if req == nil {
		return nil
	}
	return &bodyRead{call: call, by: fn.Pkg().Name() + "." + fn.Name(), req: req, dst: dst}
}

// requestOfBody returns r when e is r.Body of an *http.Request, looking
// through the limiting wrappers io.LimitReader and http.MaxBytesReader,
// which still consume the body they wrap.
func requestOfBody(info *types.Info, e ast.Expr) ast.Expr {
	for {
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
	if gintypes.IsRequestBody(info, e) {
		return e.(*ast.SelectorExpr).X
	}
	return nil
}

// isPassOn reports whether call hands the request to the rest of the
// chain: c.Next() on a *gin.Context, a ServeHTTP method of an http handler,
// or a call of a handler-typed function value (next(w, r), next(c)).
// Calls of declared functions are not: they are helpers, not the chain.
func isPassOn(info *types.Info, call *ast.CallExpr) bool {
	fun := ast.Unparen(call.Fun)
	if sel, ok := fun.(*ast.SelectorExpr); ok {
		switch sel.Sel.Name {
		case "Next":
			if gintypes.IsContextMethod(info, call, "Next") {
				return true
			}
		case "ServeHTTP":
			if fn := gintypes.Callee(info, call); fn != nil {
				sig, ok := fn.Type().(*types.Signature)
				return ok && sig.Recv() != nil && gintypes.KindOf(sig) == gintypes.HTTPHandler
			}
		}
	}
	// A handler-typed function value: (c) or (w, r). Check the argument
	// count and type first: they are cheap and rule out nearly every call.
	if n := len(call.Args); n != 1 && n != 2 {
		return false
	}
	tv, ok := info.Types[fun]
	if !ok || !tv.IsValue() || tv.Type == nil {
		return false // conversions, builtins, untyped code
	}
	sig, ok := tv.Type.Underlying().(*types.Signature)
	if !ok || gintypes.KindOf(sig) == gintypes.NotHandler {
		return false
	}
	return gintypes.Callee(info, call) == nil // not a declared function or method
}

// posIn reports whether pos lies within n.
func posIn(pos token.Pos, n ast.Node) bool { return n.Pos() <= pos && pos < n.End() }
