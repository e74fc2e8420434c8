package chanleak

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"

	"github.com/ginleak/ginleak/analysis/gintypes"
)

type opKind uint8

const (
	opSend  opKind = iota // ch <- v
	opRecv                // <-ch
	opRange               // for v := range ch
)

// op is one send or receive on a tracked channel.
type op struct {
	kind    opKind
	pos     token.Pos
	reg     *region    // nil: the function's own flow
	guarded bool       // the communication of a select that has another case
	commaOK bool       // v, ok := <-ch
	loops   []ast.Node // enclosing loops inside its goroutine (or function), innermost first
}

// region is the goroutine started by `go func(){...}()` in the function's own
// flow. Function literals that are not started that way share otherRegion:
// when they run is unknown, so channels they use are not judged.
type region struct {
	goStmt *ast.GoStmt
	lit    *ast.FuncLit
	anc    []ast.Node // from the function body down to goStmt
	loops  []ast.Node // loops around goStmt, innermost first
}

var otherRegion = &region{}

// walker collects, in one walk of a function body, every use of the
// channels made there and the statements that leave its own flow early.
type walker struct {
	info   *types.Info
	body   *ast.BlockStmt
	vars   map[types.Object]*chanVar // also go-literal parameters that alias a channel
	goLits map[*ast.FuncLit]*region
	stack  []ast.Node
	regs   []*region
	exits  []token.Pos       // returns, branches and exit calls outside function literals
	stops  map[*ast.Stmt]int // shared by the function's counters, see counter.firstStop
	steps  *meter
}

func newWalker(info *types.Info, body *ast.BlockStmt, chans []*chanVar) *walker {
	w := &walker{info: info, body: body, vars: map[types.Object]*chanVar{}, goLits: map[*ast.FuncLit]*region{}, stops: map[*ast.Stmt]int{}}
	for _, cv := range chans {
		if prev := w.vars[cv.obj]; prev != nil {
			// One variable, several channels: which one an operation
			// uses depends on the order of execution; don't guess.
			prev.escaped, cv.escaped = true, true
			continue
		}
		w.vars[cv.obj] = cv
	}
	return w
}

func (w *walker) walk() { ast.Inspect(w.body, w.visit) }

func (w *walker) visit(n ast.Node) bool {
	if n == nil {
		w.stack = w.stack[:len(w.stack)-1]
		w.regs = w.regs[:len(w.regs)-1]
		return true
	}
	var reg *region
	if len(w.regs) > 0 {
		reg = w.regs[len(w.regs)-1]
	}
	if lit, ok := n.(*ast.FuncLit); ok {
		if r := w.goLits[lit]; r != nil {
			reg = r
		} else if reg == nil {
			reg = otherRegion
		}
	}
	w.stack = append(w.stack, n)
	w.regs = append(w.regs, reg)
	w.steps.tick()
	switch n := n.(type) {
	case *ast.GoStmt:
		w.goStmt(n, reg)
	case *ast.ReturnStmt, *ast.BranchStmt:
		if reg == nil {
			w.exits = append(w.exits, n.Pos())
		}
	case *ast.ExprStmt:
		if reg == nil && exits(w.info, n) {
			w.exits = append(w.exits, n.Pos())
		}
	case *ast.Ident:
		w.use(n, reg)
	}
	return true
}

// goStmt registers the goroutine a `go func(...){...}(...)` starts and maps
// the literal's parameters that receive a tracked channel to that channel.
func (w *walker) goStmt(g *ast.GoStmt, reg *region) {
	lit, _ := ast.Unparen(g.Call.Fun).(*ast.FuncLit)
	if lit == nil {
		return
	}
	r := otherRegion // a goroutine started by another goroutine
	if reg == nil {
		r = &region{goStmt: g, lit: lit, anc: slices.Clone(w.stack), loops: loopsAbove(w.stack, len(w.stack)-1, nil)}
	}
	w.goLits[lit] = r
	sig, _ := w.info.TypeOf(lit).(*types.Signature)
	for i, a := range g.Call.Args {
		id, _ := ast.Unparen(a).(*ast.Ident)
		if id == nil {
			continue
		}
		cv := w.vars[w.info.Uses[id]]
		if cv == nil {
			continue
		}
		if sig == nil || i >= sig.Params().Len() || (sig.Variadic() && i >= sig.Params().Len()-1) {
			cv.escaped = true
			continue
		}
		if p := sig.Params().At(i); p.Name() != "" && p.Name() != "_" {
			w.vars[p] = cv
		}
	}
}

// use classifies one use of a tracked channel variable.
func (w *walker) use(id *ast.Ident, reg *region) {
	cv := w.vars[w.info.Uses[id]]
	if cv == nil {
		return
	}
	if reg == otherRegion {
		cv.other = true
		return
	}
	// i is the index in the stack of the expression the use forms,
	// parentheses included.
	i := len(w.stack) - 1
	var e ast.Expr = id
	for i > 1 {
		p, ok := w.stack[i-1].(*ast.ParenExpr)
		if !ok {
			break
		}
		e, i = p, i-1
	}
	if i < 1 {
		cv.escaped = true
		return
	}
	switch p := w.stack[i-1].(type) {
	case *ast.SendStmt:
		if p.Chan != e {
			cv.escaped = true
			return
		}
		o := op{kind: opSend, pos: p.Pos(), reg: reg}
		o.guarded = w.guarded(i-1, p)
		w.addOp(cv, o, i-1)
	case *ast.UnaryExpr:
		if p.Op != token.ARROW {
			cv.escaped = true
			return
		}
		o := op{kind: opRecv, pos: p.Pos(), reg: reg}
		j := i - 1
		for j > 1 {
			if _, ok := w.stack[j-1].(*ast.ParenExpr); !ok {
				break
			}
			j--
		}
		if j >= 1 {
			switch s := w.stack[j-1].(type) {
			case *ast.ExprStmt:
				o.guarded = w.guarded(j-1, s)
			case *ast.AssignStmt:
				o.guarded = w.guarded(j-1, s)
				o.commaOK = len(s.Lhs) == 2
			}
		}
		w.addOp(cv, o, i-1)
	case *ast.RangeStmt:
		if p.X != e {
			cv.escaped = true
			return
		}
		w.addOp(cv, op{kind: opRange, pos: p.Pos(), reg: reg}, i-1)
	case *ast.CallExpr:
		switch {
		case p.Fun == e:
			cv.escaped = true
		case isBuiltin(w.info, p, "close"):
			cv.closed = true
		case isBuiltin(w.info, p, "len"), isBuiltin(w.info, p, "cap"):
		case w.isGoLitCall(i-1, p):
			// A parameter of the literal aliases the channel (see goStmt).
		default:
			cv.escaped = true
		}
	case *ast.BinaryExpr:
		if p.Op != token.EQL && p.Op != token.NEQ {
			cv.escaped = true
		}
	case *ast.AssignStmt:
		if ast.Node(p) != cv.assign || !slices.Contains(p.Lhs, e) {
			cv.escaped = true
		}
	default:
		cv.escaped = true
	}
}

// guarded reports whether stmt, at index i of the stack, is the
// communication of a select that has another case to take instead.
func (w *walker) guarded(i int, stmt ast.Stmt) bool {
	if i < 3 {
		return false
	}
	cc, ok := w.stack[i-1].(*ast.CommClause)
	if !ok || cc.Comm != stmt {
		return false
	}
	sel, ok := w.stack[i-3].(*ast.SelectStmt)
	return ok && len(sel.Body.List) > 1
}

func (w *walker) isGoLitCall(i int, call *ast.CallExpr) bool {
	if i < 1 {
		return false
	}
	g, ok := w.stack[i-1].(*ast.GoStmt)
	if !ok || g.Call != call {
		return false
	}
	_, ok = ast.Unparen(call.Fun).(*ast.FuncLit)
	return ok
}

func (w *walker) addOp(cv *chanVar, o op, i int) {
	var root ast.Node
	if o.reg != nil {
		root = o.reg.lit
	}
	o.loops = loopsAbove(w.stack, i, root)
	cv.ops = append(cv.ops, o)
}

// loopsAbove returns the loops, innermost first, whose body (or condition or
// post statement) holds stack[i], up to root (the whole stack when root is
// nil).
func loopsAbove(stack []ast.Node, i int, root ast.Node) []ast.Node {
	var loops []ast.Node
	for j := i - 1; j >= 0; j-- {
		n, child := stack[j], stack[j+1]
		if n == root {
			break
		}
		switch l := n.(type) {
		case *ast.ForStmt:
			if child != l.Init {
				loops = append(loops, l)
			}
		case *ast.RangeStmt:
			if child != l.X {
				loops = append(loops, l)
			}
		}
	}
	return loops
}

// exits reports whether s is a call that never returns to the function:
// panic, os.Exit, log.Fatal and friends, runtime.Goexit, and the testing
// methods that stop the test (t.Fatal, t.FailNow, t.Skip...).
func exits(info *types.Info, s *ast.ExprStmt) bool {
	call, ok := ast.Unparen(s.X).(*ast.CallExpr)
	if !ok {
		return false
	}
	if isBuiltin(info, call, "panic") {
		return true
	}
	fn := gintypes.Callee(info, call)
	if gintypes.IsFunc(fn, "os", "Exit") || gintypes.IsFunc(fn, "runtime", "Goexit") ||
		gintypes.IsFunc(fn, "log", logExits...) {
		return true
	}
	if fn == nil || fn.Pkg() == nil {
		return false
	}
	sig, ok := fn.Type().(*types.Signature)
	if !ok || sig.Recv() == nil {
		return false
	}
	switch fn.Pkg().Path() {
	case "log":
		return slices.Contains(logExits, fn.Name())
	case "testing":
		return slices.Contains(testExits, fn.Name())
	}
	return false
}

var (
	logExits  = []string{"Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln"}
	testExits = []string{"Fatal", "Fatalf", "FailNow", "Skip", "Skipf", "SkipNow"}
)
