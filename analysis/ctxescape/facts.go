package ctxescape

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/ast/edge"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/internal/callfacts"
)

// Helpers one call away.
//
// Every function declaration with *gin.Context parameters is summarised
// per parameter: where it first uses the parameter, whether it writes the
// response through it, and whether it lets it outlive the call (one of
// the findings below, in its own body or in a function it passes the
// parameter to). Exported functions export the summary as a Fact, so a
// caller in another package of the module sees it too.
//
// The summary matters to callers in two ways. A go statement that passes
// the context to a summarised function names the line where the function
// uses it, and offers no Copy fix if the function writes the response
// through it (a copy has no ResponseWriter). A synchronous call that
// passes the context to a function that lets it escape is reported at the
// call, naming the function and the line inside it. A function that only
// uses the context synchronously — even after a sleep — is fine when
// called synchronously (the handler waits for it), so it summarises to no
// escape.

// Fact is exported on a function with *gin.Context parameters that uses
// one of them.
type Fact struct {
	Params []ParamFact
}

// ParamFact summarises one *gin.Context parameter of a function.
type ParamFact struct {
	Index    int    // the parameter's index in the signature
	Use      string // its first use: "c.ClientIP"
	UseAt    string // where: "login.go:42"
	Write    string // a response write through it: "c.JSON at login.go:50", maybe in a callee
	Escape   string // how it outlives the call: "a goroutine uses it at login.go:60"
	EscapeIn string // the function where it escapes, qualified: "audit.save"
	// ViaRecv: it escapes only into the method's receiver (s.ctx = c),
	// which outlives the request only if the receiver does.
	ViaRecv bool
}

// AFact marks Fact as an analysis fact.
func (*Fact) AFact() {}

func (f *Fact) String() string {
	var parts []string
	for _, p := range f.Params {
		s := fmt.Sprintf("param %d: use %s at %s", p.Index, p.Use, p.UseAt)
		if p.Write != "" {
			s += "; write " + p.Write
		}
		if p.Escape != "" {
			s += "; escape in " + p.EscapeIn + ": " + p.Escape
		}
		if p.ViaRecv {
			s += " (receiver)"
		}
		parts = append(parts, s)
	}
	return "ginctx(" + strings.Join(parts, " | ") + ")"
}

// paramKey is one parameter of one function.
type paramKey struct {
	fn  *types.Func
	idx int
}

// summary is a ParamFact under construction; escapeFn is the function the
// escape is in, nil when imported (then escapeIn names it).
type summary struct {
	ParamFact
	escapeFn *types.Func
}

// summaries holds the package's own summaries and the imported facts.
type summaries struct {
	pass     *analysis.Pass
	local    map[paramKey]*summary
	params   map[*types.Var]paramKey // the summarised parameters
	decls    []*types.Func           // summarised functions, in source order
	imported map[*types.Func]*Fact
}

// summarize computes every summary but the escapes, which come from the
// findings (see checker.resolveCalls): one walk of each function with a
// *gin.Context parameter, then the writes pushed from callees to callers
// along the calls that pass the parameter on.
func summarize(pass *analysis.Pass) *summaries {
	s := &summaries{
		pass:     pass,
		local:    make(map[paramKey]*summary),
		params:   make(map[*types.Var]paramKey),
		imported: callfacts.Imported[*Fact](pass),
	}
	type link struct{ from, to paramKey } // to passes its parameter to from
	callers := make(map[paramKey][]paramKey)
	var queue []paramKey
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func)
			if !ok {
				continue
			}
			sig := fn.Type().(*types.Signature)
			idxs := callfacts.ContextParams(sig)
			if len(idxs) == 0 {
				continue
			}
			s.decls = append(s.decls, fn)
			for _, i := range idxs {
				k := paramKey{fn, i}
				s.local[k] = &summary{ParamFact: ParamFact{Index: i}}
				s.params[sig.Params().At(i)] = k
			}
			var links []link
			s.scan(fd.Body, func(callee paramKey, caller paramKey) {
				links = append(links, link{callee, caller})
			})
			for _, e := range links {
				if w := s.writeOf(e.from); w != "" && e.from.fn.Pkg() != pass.Pkg {
					if sm := s.local[e.to]; sm.Write == "" {
						sm.Write = w
						queue = append(queue, e.to)
					}
				}
				callers[e.from] = append(callers[e.from], e.to)
			}
			for _, i := range idxs {
				if k := (paramKey{fn, i}); s.local[k].Write != "" {
					queue = append(queue, k)
				}
			}
		}
	}
	// A caller writes through its parameter when it passes it to a
	// function that writes through its own.
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		for _, c := range callers[k] {
			if sm := s.local[c]; sm.Write == "" {
				sm.Write = s.local[k].Write
				queue = append(queue, c)
			}
		}
	}
	return s
}

// scan records the first use of each summarised parameter in body and its
// direct writes, and calls edge for each call that passes one on.
func (s *summaries) scan(body *ast.BlockStmt, edge func(callee, caller paramKey)) {
	info := s.pass.TypesInfo
	note := func(id *ast.Ident, as string) {
		v, _ := info.Uses[id].(*types.Var)
		k, ok := s.params[v]
		if !ok {
			return
		}
		sm := s.local[k]
		if sm.UseAt == "" {
			sm.Use, sm.UseAt = as, callfacts.Site(s.pass.Fset, id.Pos())
		}
		if name, member := strings.CutPrefix(as, id.Name+"."); member && writesResponse[name] && sm.Write == "" {
			sm.Write = as + " at " + callfacts.Site(s.pass.Fset, id.Pos())
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if id, ok := ast.Unparen(n.X).(*ast.Ident); ok {
				note(id, id.Name+"."+n.Sel.Name)
				return false
			}
		case *ast.Ident:
			note(n, n.Name)
		case *ast.CallExpr:
			fn := callfacts.Callee(info, n)
			if fn == nil {
				return true
			}
			for i, arg := range n.Args {
				id, ok := ast.Unparen(arg).(*ast.Ident)
				if !ok {
					continue
				}
				v, _ := info.Uses[id].(*types.Var)
				caller, ok := s.params[v]
				if !ok {
					continue
				}
				if j := argParam(info, n, fn, i); j >= 0 {
					edge(paramKey{fn, j}, caller)
				}
			}
		}
		return true
	})
}

// argParam returns the index of fn's parameter that argument i of call
// binds, or -1. A method expression ((*T).M(t, c)) takes the receiver
// first.
func argParam(info *types.Info, call *ast.CallExpr, fn *types.Func, i int) int {
	sig, ok := fn.Type().(*types.Signature)
	if !ok {
		return -1
	}
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
		if s, ok := info.Selections[sel]; ok && s.Kind() == types.MethodExpr {
			i--
		}
	}
	return callfacts.ParamOf(sig, i)
}

// lookup returns the summary of parameter k.idx of k.fn, or nil if none
// is known: the function is neither declared in this package nor carries
// a Fact, or that parameter is no *gin.Context.
func (s *summaries) lookup(k paramKey) *summary {
	if k.fn.Pkg() == s.pass.Pkg {
		return s.local[k]
	}
	f := s.imported[k.fn]
	if f == nil {
		return nil
	}
	for _, p := range f.Params {
		if p.Index == k.idx {
			return &summary{ParamFact: p}
		}
	}
	return nil
}

// escapeIn names the function where the parameter escapes, for a message
// in this package.
func (s *summaries) escapeIn(sm *summary) string {
	if sm.escapeFn != nil {
		return callfacts.FuncName(sm.escapeFn, s.pass.Pkg)
	}
	return sm.EscapeIn
}

func (s *summaries) writeOf(k paramKey) string {
	if p := s.lookup(k); p != nil {
		return p.Write
	}
	return ""
}

// export exports the summaries of the package's exported functions that
// use a *gin.Context parameter.
func (s *summaries) export() {
	for _, fn := range s.decls {
		if !fn.Exported() {
			continue
		}
		var f Fact
		for _, i := range callfacts.ContextParams(fn.Type().(*types.Signature)) {
			sm := s.local[paramKey{fn, i}]
			if sm.UseAt == "" && sm.Escape == "" {
				continue
			}
			p := sm.ParamFact
			if sm.escapeFn != nil { // named from anywhere
				p.EscapeIn = callfacts.FuncName(sm.escapeFn, nil)
			}
			f.Params = append(f.Params, p)
		}
		if len(f.Params) > 0 {
			s.pass.ExportObjectFact(fn, &f)
		}
	}
}

// escaped records that the finding at pos, on uses ids, lets the
// parameters among them escape, unless a directive silences it.
func (a *checker) escaped(pos token.Pos, ids []*ast.Ident, how string) {
	for _, id := range ids {
		v, _ := a.info.Uses[id].(*types.Var)
		if k, ok := a.sums.params[v]; ok {
			a.escapes1(pos, k, &summary{
				ParamFact: ParamFact{
					Escape:  how + " at " + callfacts.Site(a.pass.Fset, id.Pos()),
					ViaRecv: strings.Contains(how, " through receiver "),
				},
				escapeFn: k.fn,
			})
		}
	}
}

// escapes1 records that parameter k escapes as from says (the innermost
// escape), unless it already does or a directive silences the finding at
// pos.
func (a *checker) escapes1(pos token.Pos, k paramKey, from *summary) {
	sm := a.sums.local[k]
	if sm.Escape != "" || a.silencer.Silenced(pos) {
		return
	}
	sm.Escape, sm.EscapeIn, sm.escapeFn, sm.ViaRecv = from.Escape, from.EscapeIn, from.escapeFn, from.ViaRecv
	a.escapes = append(a.escapes, k)
}

// syncCall is a synchronous call that passes a context that may be the
// request's own to a summarised parameter: reported if that parameter
// escapes.
type syncCall struct {
	cur    inspector.Cursor
	call   *ast.CallExpr
	id     *ast.Ident
	callee paramKey
	done   bool
}

// noteCall records call's arguments that pass an unsafe context to a
// *gin.Context parameter of a statically known function. The call a go
// statement starts is the go statement's finding.
func (a *checker) noteCall(cur inspector.Cursor, call *ast.CallExpr) {
	var fn *types.Func
	for i, arg := range call.Args {
		id, ok := ast.Unparen(arg).(*ast.Ident)
		if !ok || a.unsafeVar(id) == nil {
			continue
		}
		if fn == nil {
			if cur.ParentEdgeKind() == edge.GoStmt_Call {
				return
			}
			if fn = callfacts.Callee(a.info, call); fn == nil {
				return
			}
		}
		j := argParam(a.info, call, fn, i)
		if j < 0 || len(a.uncovered([]*ast.Ident{id})) == 0 {
			continue
		}
		a.calls = append(a.calls, &syncCall{cur: cur, call: call, id: id, callee: paramKey{fn, j}})
	}
}

// resolveCalls reports the synchronous calls that let a context escape,
// pushing escapes from callees to callers until nothing changes: each
// call is looked at once per parameter that starts to escape.
func (a *checker) resolveCalls() {
	byCallee := make(map[paramKey][]*syncCall)
	for _, sc := range a.calls {
		if sc.callee.fn.Pkg() == a.pass.Pkg {
			byCallee[sc.callee] = append(byCallee[sc.callee], sc)
		} else if p := a.sums.lookup(sc.callee); p != nil && p.Escape != "" {
			a.reportCall(sc, p)
		}
	}
	for len(a.escapes) > 0 {
		k := a.escapes[0]
		a.escapes = a.escapes[1:]
		for _, sc := range byCallee[k] {
			a.reportCall(sc, a.sums.lookup(k))
		}
	}
}

func (a *checker) reportCall(sc *syncCall, p *summary) {
	if sc.done {
		return
	}
	sc.done = true
	recv := a.receiverOf(sc.call)
	if p.ViaRecv && recv != nil && a.isLocal(recv, sc.cur) {
		return // w := &wrapper{}; w.set(c): the receiver dies with the call
	}
	callee := callfacts.FuncName(sc.callee.fn, a.pass.Pkg)
	where := p.Escape
	if in := a.sums.escapeIn(p); in != "" && in != callee {
		where = "in " + in + ", " + where
	}
	name := sc.id.Name
	msg := "*gin.Context " + name + " is passed to " + callee + ", which lets it outlive the request: " + where + "; " + reuse
	if p.Write != "" {
		// A copy cannot write the response: the callee must change.
		msg += " — copy it in " + callee + " before it escapes (it also writes the response through it: " + p.Write + ")"
	} else {
		msg += " — copy it in " + callee + " before it escapes, or pass " + name + ".Copy()"
	}
	a.diags = append(a.diags, analysis.Diagnostic{Pos: sc.call.Pos(), End: sc.call.End(), Message: msg})
	if v, _ := a.info.Uses[sc.id].(*types.Var); v != nil {
		if k, ok := a.sums.params[v]; ok {
			from := *p
			// Into the callee's receiver, which is the caller's own:
			// still only as long as the caller's receiver lives.
			from.ViaRecv = p.ViaRecv && recv != nil && a.isReceiver(recv, k.fn)
			a.escapes1(sc.call.Pos(), k, &from)
		}
	}
}

// receiverOf returns the variable a method call x.m(...) is made on, or
// nil.
func (a *checker) receiverOf(call *ast.CallExpr) *types.Var {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return nil
	}
	if s, ok := a.info.Selections[sel]; !ok || s.Kind() != types.MethodVal {
		return nil
	}
	id, ok := ast.Unparen(sel.X).(*ast.Ident)
	if !ok {
		return nil
	}
	v, _ := a.info.Uses[id].(*types.Var)
	return v
}

// isLocal reports whether v is declared inside the function around cur
// (not a parameter, a receiver or a captured variable): a value made for
// this call.
func (a *checker) isLocal(v *types.Var, cur inspector.Cursor) bool {
	for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		body := gintypes.FuncBody(fc.Node())
		return body != nil && body.Pos() <= v.Pos() && v.Pos() < body.End()
	}
	return false
}

// isReceiver reports whether v is the receiver of method fn.
func (a *checker) isReceiver(v *types.Var, fn *types.Func) bool {
	sig, ok := fn.Type().(*types.Signature)
	return ok && sig.Recv() == v
}

// goHelper describes, for a go statement that starts a summarised
// function with the context as an argument, where that function uses it
// (" — save uses it at a.go:12 (c.ClientIP)") and how it writes the
// response through it, if it does.
func (a *checker) goHelper(g *ast.GoStmt, ids []*ast.Ident) (uses, writes string) {
	fn := callfacts.Callee(a.info, g.Call)
	if fn == nil {
		return "", ""
	}
	name := callfacts.FuncName(fn, a.pass.Pkg)
	for i, arg := range g.Call.Args {
		id, ok := ast.Unparen(arg).(*ast.Ident)
		if !ok || !containsIdent(ids, id) {
			continue
		}
		j := argParam(a.info, g.Call, fn, i)
		if j < 0 {
			continue
		}
		p := a.sums.lookup(paramKey{fn, j})
		if p == nil {
			continue
		}
		if uses == "" && p.UseAt != "" {
			uses = ": " + name + " uses it at " + p.UseAt + " (" + p.Use + ")"
		}
		if writes == "" && p.Write != "" {
			writes = name + " writes the response through it (" + p.Write + ")"
		}
	}
	return uses, writes
}

func containsIdent(ids []*ast.Ident, id *ast.Ident) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
