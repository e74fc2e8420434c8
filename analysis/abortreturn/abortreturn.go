package abortreturn

import (
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/rule"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/cfg"
)

// Analyzer reports aborts after which the handler writes the response again.
var Analyzer = &analysis.Analyzer{
	Name:       "abortreturn",
	Doc:        Doc,
	URL:        rule.DocsBase + "abortreturn.md",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: rule.ResultType,
	FactTypes:  []analysis.Fact{new(Fact)},
	Run:        run,
}

// Rule is the abortreturn rule's metadata.
var Rule = rule.Rule{
	Analyzer: Analyzer,
	ID:       id,
	Title:    "abort without return, then the response is written again",
	Severity: rule.Error,
	Since:    "v0.2.0",
}

// id is Rule.ID; run uses it so that Analyzer, run and Rule do not form an
// initialization cycle.
const id = "GL1008"

// writingAborts write the response (the status, maybe a body) as they abort.
var writingAborts = []string{"AbortWithStatus", "AbortWithStatusJSON", "AbortWithStatusPureJSON", "AbortWithError"}

// contextWrites are the *gin.Context methods that write the response.
var contextWrites = map[string]bool{
	"JSON": true, "String": true, "Data": true, "Status": true, "Redirect": true, "HTML": true,
	"XML": true, "YAML": true, "TOML": true, "ProtoBuf": true, "BSON": true, "PureJSON": true,
	"IndentedJSON": true, "SecureJSON": true, "JSONP": true, "AsciiJSON": true, "File": true,
	"FileFromFS": true, "FileAttachment": true, "DataFromReader": true, "Render": true,
	"Negotiate": true, "SSEvent": true, "Stream": true,
	"AbortWithStatus": true, "AbortWithStatusJSON": true, "AbortWithStatusPureJSON": true, "AbortWithError": true,
}

// writerWrites are the c.Writer methods that write the response.
var writerWrites = map[string]bool{"Write": true, "WriteString": true, "WriteHeader": true, "WriteHeaderNow": true}

// ctxKey identifies a context: its variable, or the text of another
// expression (h.ctx).
type ctxKey struct {
	obj  types.Object
	text string
}

// site is one abort call and the statement that holds it.
type site struct {
	call *ast.CallExpr
	name string // Abort, AbortWithStatus, ..., or the helper's name
	ctx  ctxKey
	recv string     // the context as written, for messages
	via  string     // for a helper that aborts: the abort inside it
	stmt ast.Stmt   // statement holding the call
	list []ast.Stmt // statement list holding stmt, nil if none
	idx  int        // stmt's index in list
}

// funcSites are the abort sites of one function.
type funcSites struct {
	fn    ast.Node // *ast.FuncDecl or *ast.FuncLit
	sites []*site
}

func run(pass *analysis.Pass) (any, error) {
	rep := rule.NewReporter(pass, id)
	if !gintypes.ImportsGinOrHTTP(pass.Pkg) {
		return rep.Result(), nil
	}
	ins, _ := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if ins == nil {
		return rep.Result(), nil
	}
	sums := newSummaries(pass)

	// One walk finds the aborts; only the functions holding one get a CFG.
	var funcs []*funcSites
	byFunc := make(map[ast.Node]*funcSites)
	ins.WithStack([]ast.Node{(*ast.CallExpr)(nil)}, func(n ast.Node, push bool, stack []ast.Node) bool {
		if !push {
			return true
		}
		s, fn := abortSite(sums, n.(*ast.CallExpr), stack)
		if s == nil {
			return true
		}
		fs := byFunc[fn]
		if fs == nil {
			fs = &funcSites{fn: fn}
			byFunc[fn] = fs
			funcs = append(funcs, fs)
		}
		fs.sites = append(fs.sites, s)
		return true
	})
	for _, fs := range funcs {
		checkFunc(pass, rep, sums, fs)
	}
	sums.export()
	return rep.Result(), nil
}

// abortSite returns the abort call's site and its enclosing function, or
// nil if call is no abort or is not a statement of its own in a function
// body (a deferred abort runs last; an abort in an if condition is odd).
// A call of a function that aborts with a response (abort403(c)) is an
// abort too.
func abortSite(sums *summaries, call *ast.CallExpr, stack []ast.Node) (*site, ast.Node) {
	info := sums.info
	var name, via string
	var ctx ast.Expr
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if ok && strings.HasPrefix(sel.Sel.Name, "Abort") && gintypes.IsContextMethod(info, call, append([]string{"Abort"}, writingAborts...)...) {
		name, ctx = sel.Sel.Name, sel.X
	} else {
		arg, p, fname := sums.helperCall(call)
		if p == nil || p.Abort == "" {
			return nil, nil
		}
		name, ctx, via = fname, arg, p.Abort
	}
	stmtAt, fnAt := -1, -1
	for i := len(stack) - 1; i >= 0 && fnAt < 0; i-- {
		switch stack[i].(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			fnAt = i
		case ast.Stmt:
			if stmtAt < 0 {
				stmtAt = i
			}
		}
	}
	if stmtAt < 0 || fnAt < 0 || stmtAt < fnAt {
		return nil, nil
	}
	stmt := stack[stmtAt].(ast.Stmt)
	switch stmt.(type) {
	case *ast.ExprStmt, *ast.AssignStmt:
	default:
		return nil, nil
	}
	s := &site{call: call, name: name, ctx: keyOf(info, ctx), recv: types.ExprString(ctx), via: via, stmt: stmt, idx: -1}
	switch p := stack[stmtAt-1].(type) {
	case *ast.BlockStmt:
		s.list = p.List
	case *ast.CaseClause:
		s.list = p.Body
	case *ast.CommClause:
		s.list = p.Body
	}
	for i, st := range s.list {
		if st == stmt {
			s.idx = i
		}
	}
	if s.idx < 0 {
		s.list = nil
	}
	return s, stack[fnAt]
}

func keyOf(info *types.Info, e ast.Expr) ctxKey {
	e = ast.Unparen(e)
	if id, ok := e.(*ast.Ident); ok {
		if obj := info.ObjectOf(id); obj != nil {
			return ctxKey{obj: obj}
		}
	}
	return ctxKey{text: types.ExprString(e)}
}

// write is one call that writes the response through a context.
type write struct {
	call  *ast.CallExpr
	ctx   ctxKey
	name  string // the function or method called: JSON, Write, Fprintf, a helper
	desc  string // "c.JSON", "c.Writer.Write", "fmt.Fprintf to c.Writer", "respond"
	abort bool   // it aborts as it writes: AbortWith..., a helper that aborts
	via   string // for a helper: the write inside it, "c.JSON at resp.go:10"
}

// where locates a statement or expression in the CFG.
type where struct {
	block *cfg.Block
	index int
}

// checker holds one function's CFG and what its nodes write.
type checker struct {
	pass   *analysis.Pass
	info   *types.Info
	sums   *summaries
	g      *cfg.CFG
	at     map[ast.Node]where
	writes map[ast.Node][]write
}

func checkFunc(pass *analysis.Pass, rep *rule.Reporter, sums *summaries, fs *funcSites) {
	body := gintypes.FuncBody(fs.fn)
	if body == nil {
		return
	}
	c := &checker{pass: pass, info: pass.TypesInfo, sums: sums, writes: make(map[ast.Node][]write)}
	c.g = cfg.New(body, mayReturn(c.info))
	c.at = make(map[ast.Node]where)
	for _, b := range c.g.Blocks {
		if !b.Live {
			continue
		}
		for i, n := range b.Nodes {
			c.at[n] = where{b, i}
		}
	}
	sig := gintypes.FuncSignature(c.info, fs.fn)
	canReturn := sig != nil && sig.Results().Len() == 0

	done := make(map[ast.Stmt]bool)
	for _, s := range fs.sites {
		resp, respIdx, paired := c.responseStmt(s)
		if resp == nil || done[resp] {
			continue
		}
		done[resp] = true
		w, ok := c.at[resp]
		if !ok {
			continue // unreachable code
		}
		next := c.reach(w, s.ctx)
		if next == nil {
			continue
		}
		d := analysis.Diagnostic{
			Pos:     s.call.Pos(),
			End:     s.call.End(),
			Message: c.message(s, paired, next),
		}
		if canReturn && s.list != nil {
			d.SuggestedFixes = c.fix(s, resp, respIdx)
		}
		rep.Report(d)
	}
}

// responseStmt returns the statement after which the abort's response has
// been written and its index in s.list: the abort itself when it writes,
// or when the statement before a plain c.Abort() wrote; for a plain Abort
// otherwise the first statement after it in the same block that writes
// (paired is that write). It returns nil for a plain Abort with no write
// next to it, and when the write it pairs with is itself a writing abort,
// which is checked on its own.
func (c *checker) responseStmt(s *site) (resp ast.Stmt, idx int, paired *write) {
	if s.name != "Abort" {
		return s.stmt, s.idx, nil
	}
	if s.list == nil {
		return nil, 0, nil
	}
	if s.idx > 0 {
		if w := c.stmtWrite(s.list[s.idx-1], s.ctx); w != nil {
			if w.abort {
				return nil, 0, nil
			}
			return s.stmt, s.idx, nil
		}
	}
	for j := s.idx + 1; j < len(s.list); j++ {
		w := c.stmtWrite(s.list[j], s.ctx)
		if w == nil {
			continue
		}
		if w.abort {
			return nil, 0, nil
		}
		return s.list[j], j, w
	}
	return nil, 0, nil
}

// stmtWrite returns the write a statement of the form c.JSON(...) makes.
func (c *checker) stmtWrite(st ast.Stmt, ctx ctxKey) *write {
	es, ok := st.(*ast.ExprStmt)
	if !ok {
		return nil
	}
	call, ok := ast.Unparen(es.X).(*ast.CallExpr)
	if !ok {
		return nil
	}
	if w, ok := c.classify(call); ok && w.ctx == ctx {
		return &w
	}
	return nil
}

// reach returns the earliest write through ctx that some path from just
// after the node at w reaches, or nil.
func (c *checker) reach(w where, ctx ctxKey) *write {
	var best *write
	type item struct {
		b    *cfg.Block
		from int
	}
	seen := make(map[*cfg.Block]bool)
	queue := []item{{w.block, w.index + 1}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		found := false
		for _, n := range it.b.Nodes[it.from:] {
			for _, wr := range c.nodeWrites(n) {
				if wr.ctx != ctx {
					continue
				}
				found = true
				if best == nil || wr.call.Pos() < best.call.Pos() {
					wr := wr
					best = &wr
				}
			}
			if found {
				break // later writes on this path come after a second one
			}
		}
		if found {
			continue
		}
		for _, succ := range c.feasible(it.b, ctx) {
			if !seen[succ] {
				seen[succ] = true
				queue = append(queue, item{succ, 0})
			}
		}
	}
	return best
}

// feasible returns b's successors that can follow an abort through ctx: a
// condition c.IsAborted() or c.Writer.Written() is known to be true.
func (c *checker) feasible(b *cfg.Block, ctx ctxKey) []*cfg.Block {
	if len(b.Succs) != 2 || len(b.Nodes) == 0 {
		return b.Succs
	}
	cond, ok := b.Nodes[len(b.Nodes)-1].(ast.Expr)
	if !ok {
		return b.Succs
	}
	truth := true
	cond = ast.Unparen(cond)
	if u, ok := cond.(*ast.UnaryExpr); ok && u.Op == token.NOT {
		truth, cond = false, ast.Unparen(u.X)
	}
	if !c.knownTrue(cond, ctx) {
		return b.Succs
	}
	if truth {
		return b.Succs[:1]
	}
	return b.Succs[1:]
}

// knownTrue reports whether e is c.IsAborted() or c.Writer.Written() on
// ctx, both true once the abort's response is written.
func (c *checker) knownTrue(e ast.Expr, ctx ctxKey) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) != 0 {
		return false
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	switch sel.Sel.Name {
	case "IsAborted":
		return gintypes.IsContextMethod(c.info, call, "IsAborted") && keyOf(c.info, sel.X) == ctx
	case "Written":
		cx, ok := writerOf(c.info, sel.X)
		return ok && keyOf(c.info, cx) == ctx
	}
	return false
}

// nodeWrites returns the writes in one CFG node, outside function literals.
func (c *checker) nodeWrites(n ast.Node) []write {
	if ws, ok := c.writes[n]; ok {
		return ws
	}
	var ws []write
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if w, ok := c.classify(n); ok {
				ws = append(ws, w)
			}
		}
		return true
	})
	c.writes[n] = ws
	return ws
}

// classify tells whether call writes the response: a *gin.Context write
// method, a write on c.Writer, fmt.Fprint*/io.WriteString/io.Copy to
// c.Writer, or a call of a function that writes through its context
// parameter.
func (c *checker) classify(call *ast.CallExpr) (write, bool) {
	if d, ok := classifyDirect(c.info, call); ok {
		return write{call, keyOf(c.info, d.ctxExpr), d.name, d.desc, d.abort, ""}, true
	}
	if arg, p, name := c.sums.helperCall(call); p != nil {
		return write{call, keyOf(c.info, arg), name, name, p.Abort != "", p.Write}, true
	}
	return write{}, false
}

// direct is a write made by a call through a context expression.
type direct struct {
	ctxExpr    ast.Expr
	name, desc string
	abort      bool
}

// classifyDirect tells whether call writes the response itself: a
// *gin.Context write method, a write on c.Writer, or
// fmt.Fprint*/io.WriteString/io.Copy to c.Writer.
func classifyDirect(info *types.Info, call *ast.CallExpr) (direct, bool) {
	fun, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return direct{}, false
	}
	name := fun.Sel.Name
	switch {
	case contextWrites[name]:
		if gintypes.IsContextMethod(info, call, name) {
			return direct{fun.X, name, types.ExprString(fun.X) + "." + name, strings.HasPrefix(name, "Abort")}, true
		}
	case writerWrites[name]:
		if cx, ok := writerOf(info, fun.X); ok {
			return direct{cx, name, types.ExprString(fun), false}, true
		}
	case strings.HasPrefix(name, "Fprint") || name == "WriteString" || name == "Copy":
		fn := gintypes.Callee(info, call)
		if len(call.Args) == 0 || !(gintypes.IsFunc(fn, "fmt", "Fprint", "Fprintf", "Fprintln") ||
			gintypes.IsFunc(fn, "io", "WriteString", "Copy")) {
			break
		}
		if cx, ok := writerOf(info, call.Args[0]); ok {
			return direct{cx, name, fn.Pkg().Name() + "." + name + " to " + types.ExprString(call.Args[0]), false}, true
		}
	}
	return direct{}, false
}

// writerOf returns c if e is c.Writer of a *gin.Context c.
func writerOf(info *types.Info, e ast.Expr) (ast.Expr, bool) {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Writer" || !gintypes.IsGinContext(info.TypeOf(sel.X)) {
		return nil, false
	}
	return sel.X, true
}

// mayReturn tells the CFG builder which calls end the path: panic,
// os.Exit, runtime.Goexit and log's Fatal and Panic functions and methods.
func mayReturn(info *types.Info) func(call *ast.CallExpr) bool {
	return func(call *ast.CallExpr) bool { return mayReturnCall(info, call) }
}

func mayReturnCall(info *types.Info, call *ast.CallExpr) bool {
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "panic" {
			return false
		}
	}
	fn := gintypes.Callee(info, call)
	if fn == nil {
		return true
	}
	fatal := []string{"Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln"}
	isLogger := func(t types.Type) bool { return gintypes.IsPointerTo(t, "log", "Logger") }
	return !(gintypes.IsFunc(fn, "os", "Exit") || gintypes.IsFunc(fn, "runtime", "Goexit") ||
		gintypes.IsFunc(fn, "log", fatal...) || gintypes.IsMethod(fn, isLogger, fatal...))
}

const secondWrite = `, which writes a second response (gin logs "headers were already written")`

func (c *checker) message(s *site, paired, next *write) string {
	abort := s.recv + "." + s.name
	var sb strings.Builder
	if s.via != "" {
		abort = s.name
		sb.WriteString(abort + " aborts with a response (" + s.via + ") but does not stop the handler: ")
	} else {
		sb.WriteString(abort + " does not stop the handler: ")
	}
	if paired != nil {
		sb.WriteString("after " + paired.desc + " at line " + c.line(paired.call) + " writes the abort's response, ")
	}
	if next.call == s.call {
		sb.WriteString("execution can come back around a loop to this " + abort)
	} else {
		sb.WriteString("execution continues to " + next.desc + " at line " + c.line(next.call))
		if next.via != "" {
			sb.WriteString(" (it writes with " + next.via + ")")
		}
	}
	sb.WriteString(secondWrite)
	switch {
	case paired != nil:
		sb.WriteString(" — add return after " + paired.desc)
	case s.via != "":
		sb.WriteString(" — add return after the call to " + s.name)
	default:
		sb.WriteString(" — add return after the abort")
	}
	return sb.String()
}

func (c *checker) line(n ast.Node) string {
	return strconv.Itoa(c.pass.Fset.Position(n.Pos()).Line)
}
