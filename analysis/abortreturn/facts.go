package abortreturn

import (
	"fmt"
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/cfg"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/internal/callfacts"
)

// Helpers that abort or write.
//
// func abort403(c *gin.Context) { c.AbortWithError(403, err) } aborts for
// its caller as much as the call it makes. Every function declaration with
// *gin.Context parameters is summarised per parameter: whether it writes
// the response through it, and whether it aborts with a response. A
// function without results aborts if some path through it does (its
// caller cannot tell, short of c.IsAborted()); a function with results
// aborts only if every path to a return does, since its caller usually
// branches on the result (if !bindOrAbort(c, &v) { return }). Summaries
// are computed callee first, once per function, and exported functions
// export theirs as a Fact for the packages that import them.

// Fact is exported on a function that writes the response through one of
// its *gin.Context parameters.
type Fact struct {
	Params []ParamFact
}

// ParamFact summarises one *gin.Context parameter of a function.
type ParamFact struct {
	Index int    // the parameter's index in the signature
	Write string // a write through it: "c.JSON at resp.go:10", maybe in a callee
	Abort string // an abort that writes: "c.AbortWithError at auth.go:12", maybe in a callee
}

// AFact marks Fact as an analysis fact.
func (*Fact) AFact() {}

func (f *Fact) String() string {
	var parts []string
	for _, p := range f.Params {
		s := fmt.Sprintf("param %d: write %s", p.Index, p.Write)
		if p.Abort != "" {
			s += "; abort " + p.Abort
		}
		parts = append(parts, s)
	}
	return "ginwrite(" + strings.Join(parts, " | ") + ")"
}

type paramKey struct {
	fn  *types.Func
	idx int
}

// summaries computes the package's summaries on demand, callee first.
type summaries struct {
	pass     *analysis.Pass
	info     *types.Info
	decls    map[*types.Func]*ast.FuncDecl
	order    []*types.Func // source order, for export
	params   map[*types.Var]paramKey
	local    map[paramKey]*ParamFact
	state    map[*types.Func]uint8 // 1 in progress, 2 done
	imported map[*types.Func]*Fact
}

func newSummaries(pass *analysis.Pass) *summaries {
	s := &summaries{
		pass:     pass,
		info:     pass.TypesInfo,
		decls:    make(map[*types.Func]*ast.FuncDecl),
		params:   make(map[*types.Var]paramKey),
		local:    make(map[paramKey]*ParamFact),
		state:    make(map[*types.Func]uint8),
		imported: callfacts.Imported[*Fact](pass),
	}
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			fn, ok := s.info.Defs[fd.Name].(*types.Func)
			if !ok {
				continue
			}
			sig := fn.Type().(*types.Signature)
			idxs := callfacts.ContextParams(sig)
			if len(idxs) == 0 {
				continue
			}
			s.decls[fn] = fd
			s.order = append(s.order, fn)
			for _, i := range idxs {
				s.params[sig.Params().At(i)] = paramKey{fn, i}
				s.local[paramKey{fn, i}] = &ParamFact{Index: i}
			}
		}
	}
	return s
}

// known reports whether fn may have a summary: a cheap test before the
// arguments of a call are looked at.
func (s *summaries) known(fn *types.Func) bool {
	if fn == nil {
		return false
	}
	if _, ok := s.decls[fn]; ok {
		return true
	}
	_, ok := s.imported[fn]
	return ok
}

// lookup returns the summary of parameter k.idx of k.fn, computing the
// package's own summaries callee first, or nil. A call back into a
// function whose summary is being computed (recursion) counts as neither
// writing nor aborting.
func (s *summaries) lookup(k paramKey) *ParamFact {
	if fd, ok := s.decls[k.fn]; ok {
		if s.state[k.fn] == 0 {
			s.summarize(k.fn, fd)
		}
		if s.state[k.fn] != 2 {
			return nil
		}
		return s.local[k]
	}
	if f := s.imported[k.fn]; f != nil {
		for i := range f.Params {
			if f.Params[i].Index == k.idx {
				return &f.Params[i]
			}
		}
	}
	return nil
}

// helperCall returns, for a call of a summarised function, the first
// *gin.Context argument whose parameter's summary is not empty, the
// summary and the function's name as the message shows it.
func (s *summaries) helperCall(call *ast.CallExpr) (arg ast.Expr, p *ParamFact, name string) {
	fn := callfacts.Callee(s.info, call)
	if !s.known(fn) {
		return nil, nil, ""
	}
	sig := fn.Type().(*types.Signature)
	shift := 0
	if sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr); ok {
		if x, ok := s.info.Selections[sel]; ok && x.Kind() == types.MethodExpr {
			shift = 1 // (*T).M(t, c): the receiver comes first
		}
	}
	for i, a := range call.Args {
		j := callfacts.ParamOf(sig, i-shift)
		if j < 0 || !gintypes.IsGinContext(sig.Params().At(j).Type()) {
			continue
		}
		if p := s.lookup(paramKey{fn, j}); p != nil && (p.Write != "" || p.Abort != "") {
			return a, p, callfacts.FuncName(fn, s.pass.Pkg)
		}
	}
	return nil, nil, ""
}

// summarize computes fn's summaries from one walk of its body, outside
// function literals (goroutines, callbacks and deferred closures are not
// the function's own straight-line work), and, for a function with
// results that aborts somewhere, its control-flow graph.
func (s *summaries) summarize(fn *types.Func, fd *ast.FuncDecl) {
	s.state[fn] = 1
	defer func() { s.state[fn] = 2 }()
	aborts := make(map[*ast.CallExpr]paramKey) // calls that abort with a response
	plain := make(map[*ast.CallExpr]paramKey)  // c.Abort() calls, an abort if fn also writes
	firstAbort := make(map[paramKey]string)
	site := func(n ast.Node) string { return callfacts.Site(s.pass.Fset, n.Pos()) }
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok {
				if k, ok := s.paramOf(fn, sel.X); ok && gintypes.IsContextMethod(s.info, n, "Abort") {
					plain[n] = k
					return true
				}
			}
			if w, ok := classifyDirect(s.info, n); ok {
				if k, ok := s.paramOf(fn, w.ctxExpr); ok {
					p := s.local[k]
					if p.Write == "" {
						p.Write = w.desc + " at " + site(n)
					}
					if w.abort {
						aborts[n] = k
						if firstAbort[k] == "" {
							firstAbort[k] = w.desc + " at " + site(n)
						}
					}
				}
				return true
			}
			arg, hp, _ := s.helperCall(n)
			if hp == nil {
				return true
			}
			if k, ok := s.paramOf(fn, arg); ok {
				p := s.local[k]
				if p.Write == "" {
					p.Write = hp.Write
				}
				if hp.Abort != "" {
					aborts[n] = k
					if firstAbort[k] == "" {
						firstAbort[k] = hp.Abort
					}
				}
			}
		}
		return true
	})
	for call, k := range plain {
		if s.local[k].Write != "" {
			aborts[call] = k
			if firstAbort[k] == "" {
				firstAbort[k] = types.ExprString(call.Fun) + " at " + site(call) + ", writing with " + s.local[k].Write
			}
		}
	}
	if len(firstAbort) == 0 {
		return
	}
	sig := fn.Type().(*types.Signature)
	for k, a := range firstAbort {
		if sig.Results().Len() == 0 || s.mustAbort(fd, aborts, k) {
			s.local[k].Abort = a
		}
	}
}

// paramOf returns the summarised parameter of fn that e names.
func (s *summaries) paramOf(fn *types.Func, e ast.Expr) (paramKey, bool) {
	id, ok := ast.Unparen(e).(*ast.Ident)
	if !ok {
		return paramKey{}, false
	}
	v, _ := s.info.Uses[id].(*types.Var)
	k, ok := s.params[v]
	return k, ok && k.fn == fn
}

// mustAbort reports whether every path from fd's entry to a return
// statement passes one of the aborts through parameter k.
func (s *summaries) mustAbort(fd *ast.FuncDecl, aborts map[*ast.CallExpr]paramKey, k paramKey) bool {
	g := cfg.New(fd.Body, mayReturn(s.info))
	holds := func(b *cfg.Block) bool {
		for _, n := range b.Nodes {
			found := false
			ast.Inspect(n, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.FuncLit:
					return false
				case *ast.CallExpr:
					if ak, ok := aborts[n]; ok && ak == k {
						found = true
					}
				}
				return !found
			})
			if found {
				return true
			}
		}
		return false
	}
	seen := map[*cfg.Block]bool{g.Blocks[0]: true}
	queue := []*cfg.Block{g.Blocks[0]}
	for len(queue) > 0 {
		b := queue[0]
		queue = queue[1:]
		if holds(b) {
			continue
		}
		if len(b.Succs) == 0 && len(b.Nodes) > 0 {
			if _, ret := b.Nodes[len(b.Nodes)-1].(*ast.ReturnStmt); ret {
				return false
			}
		}
		for _, succ := range b.Succs {
			if !seen[succ] {
				seen[succ] = true
				queue = append(queue, succ)
			}
		}
	}
	return true
}

// export exports the summaries of the package's exported functions that
// write through a *gin.Context parameter.
func (s *summaries) export() {
	for _, fn := range s.order {
		if !fn.Exported() {
			continue
		}
		var f Fact
		for _, i := range callfacts.ContextParams(fn.Type().(*types.Signature)) {
			if p := s.lookup(paramKey{fn, i}); p != nil && p.Write != "" {
				f.Params = append(f.Params, *p)
			}
		}
		if len(f.Params) > 0 {
			s.pass.ExportObjectFact(fn, &f)
		}
	}
}
