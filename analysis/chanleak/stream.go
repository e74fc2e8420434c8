package chanleak

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/ginleak/ginleak/analysis/gintypes"
)

// Streaming: a producer goroutine sends on a channel that a consumer
// forwards to the client — from inside c.Stream(func(w io.Writer) bool
// {...}), or from a loop that returns when the client leaves (a case
// <-ctx.Done() of a select, a failed write). Once the client disconnects
// the consumer stops receiving, and the producer's next send blocks
// forever: a goroutine per abandoned request. The check runs on channels
// the main check leaves alone (often closed by the producer with
// defer close(ch), which does not help a blocked sender) and follows the
// channel into one same-package function it is passed to
// (streamResponse(c, ch)).

// consumer is a receive that stops when the client leaves.
type consumer struct {
	pos  token.Pos // the c.Stream call or the loop
	kind string    // how it stops: "c.Stream", "a select on ctx.Done()", "a failed write"
}

// streamScan is what the uses of one channel variable in one function
// body tell the streaming check.
type streamScan struct {
	info    *types.Info
	obj     types.Object
	sends   []op // in a goroutine the function starts (also in callbacks inside it)
	cons    *consumer
	callees []callArg // same-package functions the channel is passed to
	bad     bool      // a use the check does not follow
}

type callArg struct {
	fn  *types.Func
	idx int
}

// streamCheck reports cv when a producer goroutine's unguarded send can
// outlive a consumer that leaves with the client. s holds the uses of cv's
// variable in body (see scanUses); stops is the function's counter cache.
func (p *pkgIndex) streamCheck(fset *token.FileSet, body *ast.BlockStmt, cv *chanVar, s *streamScan, stops map[*ast.Stmt]int) (analysis.Diagnostic, bool) {
	if cv.capacity < 0 || s == nil {
		return analysis.Diagnostic{}, false // sized for the senders, see sender()
	}
	if s.bad || len(s.sends) == 0 {
		return analysis.Diagnostic{}, false
	}
	seen := map[*types.Func]bool{}
	for _, ca := range s.callees {
		cons, ok := p.follow(ca, seen, maxFollow)
		if !ok {
			return analysis.Diagnostic{}, false
		}
		if s.cons == nil {
			s.cons = cons
		}
	}
	if s.cons == nil {
		return analysis.Diagnostic{}, false
	}
	i := slices.IndexFunc(s.sends, func(o op) bool { return !o.guarded })
	if i < 0 {
		return analysis.Diagnostic{}, false
	}
	send := s.sends[i]
	if cv.capacity > 0 {
		ps := make([]token.Pos, 0, len(s.sends))
		for _, o := range s.sends {
			ps = append(ps, o.pos)
		}
		slices.Sort(ps)
		k := counter{info: p.info, sends: ps, makePos: cv.make.Pos(), stops: stops, steps: &p.steps}
		if n := k.total(body); n >= 0 && cv.capacity >= int64(n) {
			return analysis.Diagnostic{}, false
		}
	}
	subject := "unbuffered channel " + cv.obj.Name()
	if cv.capacity > 0 {
		subject = fmt.Sprintf("channel %s (buffer %d)", cv.obj.Name(), cv.capacity)
	}
	return analysis.Diagnostic{
		Pos: cv.make.Pos(),
		End: cv.make.End(),
		Message: fmt.Sprintf("%s: the goroutine's send at line %d blocks forever once the client disconnects: %s at %s stops receiving from %s when the client goes away; %s — let the sender select on the request's context too (case %s <- v: / case <-ctx.Done(): return)",
			subject, fset.Position(send.pos).Line, s.cons.kind, shortPos(fset, s.cons.pos), cv.obj.Name(), consequence, cv.obj.Name()),
	}, true
}

// maxFollow bounds how deep the channel is followed through the functions
// it is passed to (generate → writeChatResponse → streamResponse).
const maxFollow = 3

// follow scans the function ca passes the channel to. It returns the
// consumer found there (or nil) and false when the function uses the
// channel in a way the check does not follow: sends, unknown calls,
// aliases, or calls deeper than depth.
func (p *pkgIndex) follow(ca callArg, seen map[*types.Func]bool, depth int) (*consumer, bool) {
	if depth == 0 {
		return nil, false
	}
	if seen[ca.fn] {
		return nil, true // recursion: its uses are being judged already
	}
	seen[ca.fn] = true
	fd := p.decl(ca.fn)
	sig, _ := ca.fn.Type().(*types.Signature)
	if fd == nil || fd.Body == nil || sig == nil || ca.idx >= sig.Params().Len() || (sig.Variadic() && ca.idx == sig.Params().Len()-1) {
		return nil, false
	}
	param := sig.Params().At(ca.idx)
	if param.Name() == "" || param.Name() == "_" {
		return nil, true // never used
	}
	sub := p.paramScan(fd.Body, param)
	if sub.bad || len(sub.sends) > 0 {
		return nil, false
	}
	cons := sub.cons
	for _, next := range sub.callees {
		c, ok := p.follow(next, seen, depth-1)
		if !ok {
			return nil, false
		}
		if cons == nil {
			cons = c
		}
	}
	return cons, true
}

// shortPos is "line N" in the same file, or "file.go:N".
func shortPos(fset *token.FileSet, p token.Pos) string {
	posn := fset.Position(p)
	name := posn.Filename
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	return fmt.Sprintf("%s:%d", name, posn.Line)
}

// paramScan is the scan of a function's parameter param in its body,
// memoised: many channels may be passed to one helper.
func (p *pkgIndex) paramScan(body *ast.BlockStmt, param *types.Var) *streamScan {
	if s, ok := p.params[param]; ok {
		return s
	}
	s := scanUses(p.info, body, []types.Object{param}, false, &p.steps)[param]
	if p.params == nil {
		p.params = make(map[*types.Var]*streamScan)
	}
	p.params[param] = s
	return s
}

// scanUses walks root once and classifies the uses of each of objs; own
// says whether root is the function that made the channels (sends must
// then come from a goroutine it starts) or a function they were passed to
// (only receives are followed). One walk for all the variables, not one
// each: a generated function can make thousands of channels.
func scanUses(info *types.Info, root ast.Node, objs []types.Object, own bool, steps *meter) map[types.Object]*streamScan {
	scans := make(map[types.Object]*streamScan, len(objs))
	for _, o := range objs {
		scans[o] = &streamScan{info: info, obj: o}
	}
	live := len(scans) // not bad yet
	var stack []ast.Node
	ast.Inspect(root, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		if live == 0 {
			return false // every variable has a use the check does not follow
		}
		stack = append(stack, n)
		steps.tick()
		if id, ok := n.(*ast.Ident); ok {
			if s := scans[info.Uses[id]]; s != nil && !s.bad {
				s.use(stack, id, own)
				if s.bad {
					live--
				}
			}
		}
		return true
	})
	return scans
}

// use classifies one use; the identifier is on top of stack, which runs
// from the scanned root down to it.
func (s *streamScan) use(stack []ast.Node, id *ast.Ident, own bool) {
	i := len(stack) - 1
	var e ast.Expr = id
	for i > 0 {
		pe, ok := stack[i-1].(*ast.ParenExpr)
		if !ok {
			break
		}
		e, i = pe, i-1
	}
	if i == 0 {
		s.bad = true
		return
	}
	switch p := stack[i-1].(type) {
	case *ast.SendStmt:
		if p.Chan != e || !own || !inGoLit(stack, i-1) {
			s.bad = true
			return
		}
		s.sends = append(s.sends, op{kind: opSend, pos: p.Pos(), guarded: selectCase(stack, i-1, p)})
	case *ast.UnaryExpr:
		if p.Op != token.ARROW || inGoLit(stack, i-1) {
			s.bad = true
			return
		}
		s.receive(stack, i-1)
	case *ast.RangeStmt:
		if p.X != e || inGoLit(stack, i-1) {
			s.bad = true
			return
		}
		s.receive(stack, i-1)
	case *ast.CallExpr:
		switch {
		case isBuiltin(s.info, p, "close"), isBuiltin(s.info, p, "len"), isBuiltin(s.info, p, "cap"):
		case p.Fun == e:
			s.bad = true
		default:
			fn := gintypes.Callee(s.info, p)
			idx := slices.IndexFunc(p.Args, func(a ast.Expr) bool { return a == e })
			if fn == nil || fn.Pkg() != s.obj.Pkg() || idx < 0 || inGoLit(stack, i-1) {
				s.bad = true
				return
			}
			s.callees = append(s.callees, callArg{fn: fn.Origin(), idx: idx})
		}
	case *ast.AssignStmt, *ast.ValueSpec:
		// The make itself (main check's newChanVar only tracks the
		// variable it assigns); any other assignment is an alias.
		if as, ok := p.(*ast.AssignStmt); !ok || !slices.Contains(as.Lhs, e) {
			s.bad = true
		}
	default:
		s.bad = true
	}
}

// inGoLit reports whether stack[i] is inside a function literal started by
// a go statement (possibly within other literals inside it).
func inGoLit(stack []ast.Node, i int) bool {
	for j := i; j > 0; j-- {
		if lit, ok := stack[j].(*ast.FuncLit); ok {
			if g, ok := stack[j-1].(*ast.CallExpr); ok && ast.Unparen(g.Fun) == lit && j > 1 {
				if _, ok := stack[j-2].(*ast.GoStmt); ok {
					return true
				}
			}
		}
	}
	return false
}

// selectCase reports whether stmt at stack[i] is the communication of a
// select that has another case.
func selectCase(stack []ast.Node, i int, stmt ast.Stmt) bool {
	if i < 3 {
		return false
	}
	cc, ok := stack[i-1].(*ast.CommClause)
	if !ok || cc.Comm != stmt {
		return false
	}
	sel, ok := stack[i-3].(*ast.SelectStmt)
	return ok && len(sel.Body.List) > 1
}

// receive records a receive at stack[i] whose consumer stops when the
// client leaves: inside a function literal passed to c.Stream, or inside a
// loop that a ctx.Done() case or a failed write leaves.
func (s *streamScan) receive(stack []ast.Node, i int) {
	if s.cons != nil {
		return
	}
	for j := i; j > 0; j-- {
		switch n := stack[j].(type) {
		case *ast.FuncLit:
			if call, ok := stack[j-1].(*ast.CallExpr); ok && isArgOf(call, n) && gintypes.IsContextMethod(s.info, call, "Stream") {
				s.cons = &consumer{pos: call.Pos(), kind: "c.Stream"}
			}
			return // a loop outside the literal is not the receive's loop
		case *ast.ForStmt:
			if kind := clientExit(s.info, n.Body); kind != "" {
				s.cons = &consumer{pos: n.Pos(), kind: "the loop (" + kind + ")"}
			}
			return
		case *ast.RangeStmt:
			if kind := clientExit(s.info, n.Body); kind != "" {
				s.cons = &consumer{pos: n.Pos(), kind: "the loop (" + kind + ")"}
			}
			return
		}
	}
}

func isArgOf(call *ast.CallExpr, e ast.Expr) bool {
	return slices.ContainsFunc(call.Args, func(a ast.Expr) bool { return ast.Unparen(a) == e })
}

// clientExit says how a loop body leaves when the client is gone: a select
// case receiving from a context's Done() or from CloseNotify() whose body
// returns or breaks, or an if err != nil { return } right after a write to
// the response. It returns "" when neither is found. Nested loops and
// function literals are not searched.
func clientExit(info *types.Info, body *ast.BlockStmt) string {
	found := ""
	var list func(stmts []ast.Stmt)
	var stmt func(s ast.Stmt)
	list = func(stmts []ast.Stmt) {
		for i, st := range stmts {
			if found != "" {
				return
			}
			if ifs, ok := st.(*ast.IfStmt); ok && isErrCheck(ifs) && leavesBlock(info, ifs.Body) {
				if writes(info, ifs.Init) || (i > 0 && writes(info, stmts[i-1])) {
					found = "a failed write"
					return
				}
			}
			stmt(st)
		}
	}
	stmt = func(st ast.Stmt) {
		switch st := st.(type) {
		case *ast.BlockStmt:
			list(st.List)
		case *ast.LabeledStmt:
			stmt(st.Stmt)
		case *ast.IfStmt:
			list(st.Body.List)
			if st.Else != nil {
				stmt(st.Else)
			}
		case *ast.SwitchStmt:
			for _, c := range st.Body.List {
				list(c.(*ast.CaseClause).Body)
			}
		case *ast.TypeSwitchStmt:
			for _, c := range st.Body.List {
				list(c.(*ast.CaseClause).Body)
			}
		case *ast.SelectStmt:
			for _, c := range st.Body.List {
				cc := c.(*ast.CommClause)
				if isDoneRecv(info, cc.Comm) && leavesList(info, cc.Body) {
					found = "a select on ctx.Done()"
					return
				}
				list(cc.Body)
			}
		}
	}
	list(body.List)
	return found
}

// isDoneRecv reports whether comm receives from X.Done() of a context (or
// *gin.Context) or from CloseNotify().
func isDoneRecv(info *types.Info, comm ast.Stmt) bool {
	var x ast.Expr
	switch c := comm.(type) {
	case *ast.ExprStmt:
		x = c.X
	case *ast.AssignStmt:
		if len(c.Rhs) == 1 {
			x = c.Rhs[0]
		}
	}
	u, ok := ast.Unparen(x).(*ast.UnaryExpr)
	if !ok || u.Op != token.ARROW {
		return false
	}
	call, ok := ast.Unparen(u.X).(*ast.CallExpr)
	if !ok {
		// A variable holding ctx.Done() or CloseNotify(): judged by name.
		id, ok := ast.Unparen(u.X).(*ast.Ident)
		return ok && (strings.Contains(strings.ToLower(id.Name), "done") || strings.Contains(strings.ToLower(id.Name), "gone") ||
			strings.Contains(strings.ToLower(id.Name), "notify"))
	}
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return false
	}
	switch sel.Sel.Name {
	case "CloseNotify":
		return true
	case "Done":
		t := info.TypeOf(sel.X)
		return gintypes.IsNamed(t, "context", "Context") || gintypes.IsGinContext(t)
	}
	return false
}

// isErrCheck reports whether ifs tests err != nil (any error-typed
// variable compared with nil).
func isErrCheck(ifs *ast.IfStmt) bool {
	b, ok := ast.Unparen(ifs.Cond).(*ast.BinaryExpr)
	if !ok || b.Op != token.NEQ {
		return false
	}
	id, ok := ast.Unparen(b.Y).(*ast.Ident)
	return ok && id.Name == "nil"
}

// writeNames are the calls that write to the client and fail once it is
// gone.
var writeNames = []string{
	"Write", "WriteString", "WriteMessage", "WriteJSON", "Encode", "Flush", "Fprint", "Fprintf", "Fprintln", "Copy", "Render",
}

// writes reports whether st assigns the result of a call that writes to
// the client.
func writes(info *types.Info, st ast.Stmt) bool {
	as, ok := st.(*ast.AssignStmt)
	if !ok || len(as.Rhs) != 1 {
		return false
	}
	call, ok := ast.Unparen(as.Rhs[0]).(*ast.CallExpr)
	if !ok {
		return false
	}
	var name string
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.SelectorExpr:
		name = f.Sel.Name
	case *ast.Ident:
		name = f.Name
	}
	return slices.Contains(writeNames, name)
}

// leavesBlock and leavesList report whether a block's statements include
// a return or break at its top level (or an exit call).
func leavesBlock(info *types.Info, b *ast.BlockStmt) bool { return leavesList(info, b.List) }

func leavesList(info *types.Info, stmts []ast.Stmt) bool {
	for _, st := range stmts {
		switch st := st.(type) {
		case *ast.ReturnStmt:
			return true
		case *ast.BranchStmt:
			if st.Tok == token.BREAK || st.Tok == token.GOTO {
				return true
			}
		case *ast.ExprStmt:
			if exits(info, st) {
				return true
			}
		}
	}
	return false
}

// pkgIndex finds the declarations of the package's functions, once.
type pkgIndex struct {
	info  *types.Info
	files []*ast.File
	decls map[*types.Func]*ast.FuncDecl
	// params are the scans of the parameters channels are passed to.
	params map[*types.Var]*streamScan
	steps  meter
}

// meter counts the nodes and statements the checks look at: the work the
// linearity test compares for functions of N and 2N statements. A nil
// meter counts nothing.
type meter struct{ n int }

func (m *meter) tick() {
	if m != nil {
		m.n++
	}
}

func (p *pkgIndex) decl(fn *types.Func) *ast.FuncDecl {
	if p.decls == nil {
		p.decls = make(map[*types.Func]*ast.FuncDecl)
		for _, f := range p.files {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok {
					if obj, ok := p.info.Defs[fd.Name].(*types.Func); ok {
						p.decls[obj] = fd
					}
				}
			}
		}
	}
	return p.decls[fn]
}
