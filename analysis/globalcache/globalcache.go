package globalcache

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/rule"
)

// Analyzer reports package-level maps, sync.Maps and slices, and those a
// registered handler closure captures, that grow from request handling and
// are never trimmed.
var Analyzer = &analysis.Analyzer{
	Name:       "globalcache",
	Doc:        Doc,
	URL:        rule.DocsBase + "globalcache.md",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: rule.ResultType,
	Run:        run,
}

// id is the rule's stable ID; run cannot read Rule.ID without an
// initialisation cycle (Rule refers to Analyzer, which refers to run).
const id = "GL1004"

// Rule is the analyzer's rule metadata.
var Rule = rule.Rule{
	Analyzer: Analyzer,
	ID:       id,
	Title:    "package-level or handler-captured map or slice grows from request handling and is never trimmed",
	Severity: rule.Warning,
	Since:    "v0.1.0",
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
	w := &walker{
		pass:    pass,
		info:    pass.TypesInfo,
		unitOf:  make(map[types.Object]int),
		targets: make(map[target]*targetInfo),
		cleared: make(map[*types.Var]bool),
		roots:   make(map[*types.Var]kind),
		locals:  make(map[*types.Var]local),
		fresh:   make(map[*types.Var]bool),
		kept:    make(map[*types.Var]bool),
		flows:   make(map[*types.Var][]*types.Var),
	}
	ins.WithStack(nodeTypes, w.visit)
	w.report(rep)
	return rep.Result(), nil
}

var nodeTypes = []ast.Node{
	(*ast.File)(nil),
	(*ast.FuncDecl)(nil),
	(*ast.FuncLit)(nil),
	(*ast.CallExpr)(nil),
	(*ast.Ident)(nil),
}

// kind is what a package-level variable holds.
type kind int

const (
	kindNone    kind = iota
	kindMap          // a map (or a named map type)
	kindSlice        // a slice
	kindSyncMap      // sync.Map or *sync.Map
	kindStruct       // a struct (or pointer to one) whose fields may be targets
	// kindHandler: a local variable holding a handler (a gin or net/http
	// handler func, or an http.Handler); tracked to learn whether a handler
	// literal stored in it is returned or registered.
	kindHandler
)

func kindOf(t types.Type) kind {
	if t == nil {
		return kindNone
	}
	if gintypes.IsNamed(t, "sync", "Map") || gintypes.IsPointerTo(t, "sync", "Map") {
		return kindSyncMap
	}
	switch u := t.Underlying().(type) {
	case *types.Map:
		return kindMap
	case *types.Slice:
		return kindSlice
	case *types.Struct:
		return kindStruct
	case *types.Pointer:
		if _, ok := u.Elem().Underlying().(*types.Struct); ok {
			return kindStruct
		}
	}
	return kindNone
}

// target is a package-level variable, or a field of one (field != nil), or
// a local variable that a handler literal may capture.
type target struct {
	root  *types.Var
	field *types.Var
}

func (t target) name() string {
	if t.field == nil {
		return t.root.Name()
	}
	return t.root.Name() + "." + t.field.Name()
}

// site is a write that grows a target.
type site struct {
	pos    token.Pos
	unit   int  // the unit the write runs in
	locked bool // a mutex is locked before it in its function
}

type targetInfo struct {
	kind    kind
	removed bool // some code removes from it, resets it, or may do so via an alias
	writes  []site
}

// unit is a node of the same-package call graph: a function declaration,
// a handler function literal, or a function literal assigned to a
// package-level variable. Other function literals belong to the unit they
// are written in: they run when it runs (an over-approximation).
type unit struct {
	name    string
	handler bool
	edges   []edge
	// lit: a handler function literal, spanning pos to end. It is kept
	// (returned or registered, so it lives as long as the server) if kept is
	// set or, once the walk is done, the local variable via is.
	lit      bool
	pos, end token.Pos
	kept     bool
	via      *types.Var
}

// edge is a reference from a unit to a function (or function-valued
// package variable) of the package; locked is whether a mutex was locked
// before the reference.
type edge struct {
	to     types.Object
	locked bool
}

// frame is a function being walked.
type frame struct {
	unit int // the unit it starts, or -1
	// once: a literal run by sync.Once.Do or sync.OnceFunc and friends; what
	// it does happens once, not per request.
	once bool
	// stopLock: a lock taken by an enclosing function does not protect this
	// one (declarations, handler literals and literals started by go).
	stopLock bool
	lockSeen bool
}

type walker struct {
	pass    *analysis.Pass
	info    *types.Info
	frames  []frame
	units   []unit
	unitOf  map[types.Object]int
	targets map[target]*targetInfo
	cleared map[*types.Var]bool // struct roots that may be reset through an alias
	roots   map[*types.Var]kind // cache of kindOf for package-level variables
	locals  map[*types.Var]local
	// fresh: local maps, sync.Maps and slices declared with a value no one
	// else holds (none, make, a composite literal, nil, new, a clone).
	fresh map[*types.Var]bool
	// kept: local handler variables that are returned or registered;
	// flows: a local handler variable is kept if one it is copied to is.
	kept  map[*types.Var]bool
	flows map[*types.Var][]*types.Var
}

// local is what a local variable of the package holds, and, for a map,
// sync.Map or slice, the function that declares it.
type local struct {
	kind  kind
	fn    bool     // a function: calls through it may reach a literal
	owner ast.Node // *ast.FuncDecl or *ast.FuncLit
	name  string   // the owner's name, for messages
}

func (w *walker) visit(n ast.Node, push bool, stack []ast.Node) bool {
	switch n := n.(type) {
	case *ast.File:
		// A test file's handlers and writes do not run in the server.
		if push && strings.HasSuffix(w.pass.Fset.Position(n.Package).Filename, "_test.go") {
			return false
		}
	case *ast.FuncDecl:
		if !push {
			w.frames = w.frames[:len(w.frames)-1]
			return true
		}
		w.pushDecl(n)
	case *ast.FuncLit:
		if !push {
			w.frames = w.frames[:len(w.frames)-1]
			return true
		}
		w.pushLit(n, stack)
	case *ast.CallExpr:
		if push && len(w.frames) > 0 && isLockCall(w.info, n) {
			w.frames[len(w.frames)-1].lockSeen = true
		}
	case *ast.Ident:
		if push {
			w.ident(n, stack)
		}
	}
	return true
}

func (w *walker) pushDecl(fd *ast.FuncDecl) {
	u := len(w.units)
	w.units = append(w.units, unit{
		name:    declName(fd),
		handler: gintypes.KindOf(gintypes.FuncSignature(w.info, fd)) != gintypes.NotHandler,
	})
	if obj, ok := w.info.Defs[fd.Name].(*types.Func); ok {
		w.unitOf[obj] = u
	}
	w.frames = append(w.frames, frame{unit: u, stopLock: true})
}

func (w *walker) pushLit(lit *ast.FuncLit, stack []ast.Node) {
	fr := frame{unit: -1}
	handler := gintypes.KindOf(gintypes.FuncSignature(w.info, lit)) != gintypes.NotHandler
	var v *types.Var
	if len(w.frames) == 0 {
		v = w.litVar(lit, stack)
		fr.stopLock = true
	} else if !handler {
		v = w.localLitVar(lit, stack)
	}
	if handler || v != nil {
		fr.unit = len(w.units)
		fr.stopLock = true
		u := unit{handler: handler}
		if v != nil {
			w.unitOf[v] = fr.unit
			u.name = v.Name()
		} else {
			u.name = "func literal" + w.outerName()
		}
		if handler && len(w.frames) > 0 {
			// A handler literal inside a function may capture its locals.
			u.lit, u.pos, u.end = true, lit.Pos(), lit.End()
			via, kept := w.keptExpr(stack, len(stack)-1)
			u.kept, u.via = kept && via == nil, via
		}
		w.units = append(w.units, u)
	}
	if isGoLaunched(lit, stack) {
		fr.stopLock = true
	}
	fr.once = !handler && w.runOnce(lit, stack)
	w.frames = append(w.frames, fr)
}

// litVar returns the package-level variable a package-level function
// literal initialises (var fetch = func(...) {...}), or nil.
func (w *walker) litVar(lit *ast.FuncLit, stack []ast.Node) *types.Var {
	if len(stack) < 2 {
		return nil
	}
	vs, ok := stack[len(stack)-2].(*ast.ValueSpec)
	if !ok || len(vs.Names) != len(vs.Values) {
		return nil
	}
	for i, val := range vs.Values {
		if val == ast.Expr(lit) {
			v, _ := w.info.Defs[vs.Names[i]].(*types.Var)
			return v
		}
	}
	return nil
}

// localLitVar returns the local variable a function literal is assigned
// to (add := func(...) {...}), so that calls through it can be followed, or
// nil. Only the first literal assigned to a variable is tracked.
func (w *walker) localLitVar(lit *ast.FuncLit, stack []ast.Node) *types.Var {
	if len(stack) < 2 {
		return nil
	}
	var lhs ast.Expr
	switch p := stack[len(stack)-2].(type) {
	case *ast.AssignStmt:
		if len(p.Lhs) == len(p.Rhs) {
			for j, rhs := range p.Rhs {
				if rhs == ast.Expr(lit) {
					lhs = p.Lhs[j]
				}
			}
		}
	case *ast.ValueSpec:
		if len(p.Names) == len(p.Values) {
			for j, val := range p.Values {
				if val == ast.Expr(lit) {
					lhs = p.Names[j]
				}
			}
		}
	}
	id, ok := lhs.(*ast.Ident)
	if !ok {
		return nil
	}
	v, ok := w.info.ObjectOf(id).(*types.Var)
	if !ok || v.IsField() || gintypes.IsPackageLevel(v) {
		return nil
	}
	if _, dup := w.unitOf[v]; dup {
		return nil
	}
	return v
}

// outerName names the declaration a function literal is written in.
func (w *walker) outerName() string {
	for _, fr := range w.frames {
		if fr.unit >= 0 {
			return " in " + w.units[fr.unit].name
		}
	}
	return ""
}

func declName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.ParenExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		}
		break
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
}

func isGoLaunched(lit *ast.FuncLit, stack []ast.Node) bool {
	if len(stack) < 3 {
		return false
	}
	call, ok := stack[len(stack)-2].(*ast.CallExpr)
	if !ok || call.Fun != ast.Expr(lit) {
		return false
	}
	_, ok = stack[len(stack)-3].(*ast.GoStmt)
	return ok
}

// isLockCall reports whether call locks a sync.Mutex, sync.RWMutex or
// sync.Locker (directly, embedded or as a field).
func isLockCall(info *types.Info, call *ast.CallExpr) bool {
	return gintypes.IsMethod(gintypes.Callee(info, call), isSyncLock, "Lock", "RLock", "TryLock", "TryRLock")
}

func isSyncLock(t types.Type) bool {
	return gintypes.IsNamed(t, "sync", "Mutex") || gintypes.IsNamed(t, "sync", "RWMutex") ||
		gintypes.IsNamed(t, "sync", "Locker")
}

func isSyncMap(t types.Type) bool { return gintypes.IsNamed(t, "sync", "Map") }

// runOnce reports whether lit is an argument of (*sync.Once).Do or of
// sync.OnceFunc, OnceValue or OnceValues.
func (w *walker) runOnce(lit *ast.FuncLit, stack []ast.Node) bool {
	if len(stack) < 2 {
		return false
	}
	call, ok := stack[len(stack)-2].(*ast.CallExpr)
	if !ok || call.Fun == ast.Expr(lit) {
		return false
	}
	fn := gintypes.Callee(w.info, call)
	return gintypes.IsMethod(fn, func(t types.Type) bool { return gintypes.IsNamed(t, "sync", "Once") }, "Do") ||
		gintypes.IsFunc(fn, "sync", "OnceFunc", "OnceValue", "OnceValues")
}

// unitHere is the unit the walk is in, or -1 during package initialisation
// and in code run once.
func (w *walker) unitHere() int {
	for i := len(w.frames) - 1; i >= 0; i-- {
		if w.frames[i].once {
			return -1
		}
		if w.frames[i].unit >= 0 {
			return w.frames[i].unit
		}
	}
	return -1
}

// locked reports whether a mutex has been locked earlier in the function
// being walked, or in an enclosing function whose lock the current function
// literal runs under.
func (w *walker) locked() bool {
	for i := len(w.frames) - 1; i >= 0; i-- {
		fr := w.frames[i]
		if fr.lockSeen {
			return true
		}
		if fr.stopLock {
			break
		}
	}
	return false
}

func (w *walker) ident(id *ast.Ident, stack []ast.Node) {
	switch obj := w.info.Uses[id].(type) {
	case nil:
		w.def(id, stack)
	case *types.Func:
		if obj.Pkg() == w.pass.Pkg {
			w.edge(obj.Origin(), stack)
		}
	case *types.Var:
		if obj.Pkg() != w.pass.Pkg || obj.IsField() {
			return
		}
		if !gintypes.IsPackageLevel(obj) {
			w.local(obj, stack)
			return
		}
		if _, ok := obj.Type().Underlying().(*types.Signature); ok {
			w.edge(obj, stack)
			return
		}
		k, ok := w.roots[obj]
		if !ok {
			k = kindOf(obj.Type())
			w.roots[obj] = k
		}
		switch k {
		case kindNone:
		case kindStruct:
			w.structUse(obj, stack)
		default:
			w.use(target{root: obj}, k, stack, len(stack)-1)
		}
	}
}

// local handles a mention, at the top of stack, of a local variable: a call
// through a function literal it holds, a use of a map, sync.Map or slice a
// handler literal may capture, or a handler stored in it being returned or
// registered.
func (w *walker) local(v *types.Var, stack []ast.Node) {
	l := w.localOf(v, stack)
	if l.fn {
		if _, ok := w.unitOf[v]; ok {
			w.edge(v, stack)
		}
	}
	switch l.kind {
	case kindMap, kindSlice, kindSyncMap:
		w.use(target{root: v}, l.kind, stack, len(stack)-1)
	case kindHandler:
		if to, ok := w.keptExpr(stack, len(stack)-1); ok {
			if to == nil {
				w.kept[v] = true
			} else if to != v {
				w.flows[v] = append(w.flows[v], to)
			}
		}
	}
}

// def records whether a local map, sync.Map or slice defined at the top of
// stack starts out fresh. One that starts as a copy of another (m :=
// s.cache, a parameter, a range or type switch variable) shares it with
// code that may trim it.
func (w *walker) def(id *ast.Ident, stack []ast.Node) {
	if len(stack) < 2 {
		return
	}
	p := stack[len(stack)-2]
	switch p.(type) {
	case *ast.ValueSpec, *ast.AssignStmt:
	default:
		return // not a variable definition that can be fresh
	}
	v, ok := w.info.Defs[id].(*types.Var)
	if !ok || v.IsField() || gintypes.IsPackageLevel(v) {
		return
	}
	switch kindOf(v.Type()) {
	case kindMap, kindSlice, kindSyncMap:
	default:
		return
	}
	switch p := p.(type) {
	case *ast.ValueSpec:
		if len(p.Values) == 0 {
			w.fresh[v] = true
			return
		}
		if len(p.Values) == len(p.Names) {
			for j, name := range p.Names {
				if name == id {
					w.fresh[v] = w.isFresh(p.Values[j])
				}
			}
		}
	case *ast.AssignStmt:
		if p.Tok == token.DEFINE && len(p.Lhs) == len(p.Rhs) {
			for j, lhs := range p.Lhs {
				if lhs == ast.Expr(id) {
					w.fresh[v] = w.isFresh(p.Rhs[j])
				}
			}
		}
	}
}

// isFresh reports whether e makes a new map, sync.Map or slice no other
// variable holds.
func (w *walker) isFresh(e ast.Expr) bool {
	if e == nil {
		return false
	}
	e = ast.Unparen(e)
	if tv, ok := w.info.Types[e]; ok && tv.IsNil() {
		return true
	}
	switch e := e.(type) {
	case *ast.CompositeLit:
		return true
	case *ast.UnaryExpr:
		_, lit := ast.Unparen(e.X).(*ast.CompositeLit)
		return e.Op == token.AND && lit
	case *ast.CallExpr:
		if id, ok := ast.Unparen(e.Fun).(*ast.Ident); ok {
			if b, ok := w.info.Uses[id].(*types.Builtin); ok {
				switch b.Name() {
				case "make", "new":
					return true
				case "append":
					return len(e.Args) > 0 && w.isFresh(e.Args[0])
				}
				return false
			}
		}
		if tv, ok := w.info.Types[e.Fun]; ok && tv.IsType() {
			return len(e.Args) == 1 && w.isFresh(e.Args[0]) // a conversion
		}
		return gintypes.IsFunc(gintypes.Callee(w.info, e), "maps", "Clone") ||
			gintypes.IsFunc(gintypes.Callee(w.info, e), "slices", "Clone")
	}
	return false
}

// localOf classifies a local variable on its first mention. A map,
// sync.Map or slice is a target only if it started out fresh.
func (w *walker) localOf(v *types.Var, stack []ast.Node) local {
	if l, ok := w.locals[v]; ok {
		return l
	}
	l := local{kind: kindOf(v.Type())}
	_, l.fn = v.Type().Underlying().(*types.Signature)
	switch l.kind {
	case kindStruct:
		l.kind = kindNone
	case kindNone:
		if handlerValued(v.Type()) {
			l.kind = kindHandler
		}
	default:
		fn := declFunc(stack, v.Pos())
		if fn == nil || !w.fresh[v] {
			l.kind = kindNone
			break
		}
		l.owner = fn
		if fd, ok := fn.(*ast.FuncDecl); ok {
			l.name = declName(fd)
		} else {
			l.name = "a func literal" + w.outerName()
		}
	}
	w.locals[v] = l
	return l
}

// handlerValued reports whether t holds a request handler: a gin or
// net/http handler func type, or http.Handler.
func handlerValued(t types.Type) bool {
	if t == nil {
		return false
	}
	if gintypes.IsNamed(t, gintypes.HTTPPath, "Handler") {
		return true
	}
	sig, ok := t.Underlying().(*types.Signature)
	return ok && gintypes.KindOf(sig) != gintypes.NotHandler
}

// declFunc returns the innermost function on stack whose source contains
// pos: for a local variable's position, the function declaring it.
func declFunc(stack []ast.Node, pos token.Pos) ast.Node {
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			if n.Pos() <= pos && pos < n.End() {
				return n
			}
		}
	}
	return nil
}

// funcType returns the signature syntax of a FuncDecl (receiver included)
// or FuncLit.
func funcType(fn ast.Node) *ast.FuncType {
	switch fn := fn.(type) {
	case *ast.FuncDecl:
		return fn.Type
	case *ast.FuncLit:
		return fn.Type
	}
	return nil
}

// within reports whether pos lies in n's source.
func within(n ast.Node, pos token.Pos) bool {
	return n.Pos() <= pos && pos < n.End()
}

// keptExpr reports whether the handler at stack[i] (a literal or a local
// variable) outlives the function it is in: it is returned, registered
// (router methods, ServeMux, http.Handle, http.HandleFunc, http.Serve and
// friends, http.Server's Handler), stored in a package-level variable or a
// named result, possibly after a conversion or a wrapper returning a handler
// (http.HandlerFunc(f), gin.WrapF(f), mw(f)). If it is stored in a local
// variable instead, to is that variable: it is kept if the variable is.
func (w *walker) keptExpr(stack []ast.Node, i int) (to *types.Var, kept bool) {
	for {
		p, child, pi := up(stack, i)
		switch p := p.(type) {
		case *ast.ReturnStmt:
			return nil, true
		case *ast.CallExpr:
			if p.Fun == child {
				return nil, false
			}
			if handlerValued(w.info.TypeOf(p)) {
				i = pi // a conversion or a wrapper: follow its result
				continue
			}
			return nil, registers(gintypes.Callee(w.info, p))
		case *ast.AssignStmt:
			if len(p.Lhs) == len(p.Rhs) && (p.Tok == token.ASSIGN || p.Tok == token.DEFINE) {
				for j, rhs := range p.Rhs {
					if rhs == child {
						return w.sink(p.Lhs[j], stack[:pi+1])
					}
				}
			}
		case *ast.ValueSpec:
			if len(p.Names) == len(p.Values) {
				for j, val := range p.Values {
					if val == child {
						return w.sink(p.Names[j], stack[:pi+1])
					}
				}
			}
		case *ast.KeyValueExpr:
			if p.Value == child && pi > 0 {
				cl, ok := stack[pi-1].(*ast.CompositeLit)
				key, isID := p.Key.(*ast.Ident)
				if ok && isID && key.Name == "Handler" && gintypes.IsNamed(w.info.TypeOf(cl), gintypes.HTTPPath, "Server") {
					return nil, true
				}
			}
		}
		return nil, false
	}
}

// sink says where a handler assigned to lhs goes: a package-level variable
// or a named result keeps it; a local variable passes the question on.
func (w *walker) sink(lhs ast.Expr, stack []ast.Node) (*types.Var, bool) {
	v, ok := gintypes.ObjectOf(w.info, lhs).(*types.Var)
	if !ok || v.IsField() {
		return nil, false
	}
	if gintypes.IsPackageLevel(v) {
		return nil, true
	}
	if fn := declFunc(stack, v.Pos()); fn != nil {
		if ft := funcType(fn); ft != nil && ft.Results != nil && within(ft.Results, v.Pos()) {
			return nil, true
		}
	}
	return v, true
}

// registers reports whether fn keeps the handlers passed to it for the life
// of the server: a method of a gin router or an http.ServeMux, or
// http.Handle, HandleFunc, ListenAndServe(TLS) or Serve(TLS).
func registers(fn *types.Func) bool {
	if fn == nil {
		return false
	}
	sig, ok := fn.Type().(*types.Signature)
	if !ok {
		return false
	}
	if recv := sig.Recv(); recv != nil {
		t := recv.Type()
		if p, ok := types.Unalias(t).(*types.Pointer); ok {
			t = p.Elem()
		}
		return gintypes.IsNamed(t, gintypes.GinPath, "Engine") || gintypes.IsNamed(t, gintypes.GinPath, "RouterGroup") ||
			gintypes.IsGinRouter(t) || gintypes.IsNamed(t, gintypes.HTTPPath, "ServeMux")
	}
	return gintypes.IsFunc(fn, gintypes.HTTPPath, "Handle", "HandleFunc", "ListenAndServe", "ListenAndServeTLS", "Serve", "ServeTLS")
}

// edge records a reference, at the top of stack, to a function of the
// package. A function started with go does not run under the caller's lock.
func (w *walker) edge(to types.Object, stack []ast.Node) {
	if u := w.unitHere(); u >= 0 {
		locked := w.locked() && !goCall(stack)
		w.units[u].edges = append(w.units[u].edges, edge{to: to, locked: locked})
	}
}

// goCall reports whether the identifier at the top of stack is the function
// a go statement calls: go f(), go s.f().
func goCall(stack []ast.Node) bool {
	i := len(stack) - 1
	if i >= 1 {
		if sel, ok := stack[i-1].(*ast.SelectorExpr); ok && sel.Sel == stack[i] {
			i--
		}
	}
	if i < 2 {
		return false
	}
	call, ok := stack[i-1].(*ast.CallExpr)
	if !ok || call.Fun != stack[i] {
		return false
	}
	g, ok := stack[i-2].(*ast.GoStmt)
	return ok && g.Call == call
}

// structUse handles a mention of a package-level struct variable: a
// selection of a map, slice or sync.Map field is a use of that field;
// anything that may reset the struct through an alias clears all of them.
func (w *walker) structUse(root *types.Var, stack []ast.Node) {
	i := len(stack) - 1
	p, child, pi := up(stack, i)
	if sel, ok := p.(*ast.SelectorExpr); ok && sel.X == child {
		s := w.info.Selections[sel]
		if s == nil {
			return
		}
		switch obj := s.Obj().(type) {
		case *types.Var:
			if k := kindOf(obj.Type()); k != kindNone && k != kindStruct && s.Kind() == types.FieldVal {
				w.use(target{root: root, field: obj}, k, stack, pi)
			}
		case *types.Func:
			if obj.Pkg() == w.pass.Pkg {
				w.cleared[root] = true
			}
		}
		return
	}
	if u, _ := w.classify(target{root: root}, stack, i); u == useRemove || u == useEscape {
		w.cleared[root] = true
	}
}

func (w *walker) use(t target, k kind, stack []ast.Node, i int) {
	u, at := w.classify(t, stack, i)
	if u == useRead {
		return
	}
	ti := w.targets[t]
	if ti == nil {
		ti = &targetInfo{kind: k}
		w.targets[t] = ti
	}
	switch u {
	case useRemove, useEscape:
		ti.removed = true
	case useWrite:
		if unit := w.unitHere(); unit >= 0 {
			ti.writes = append(ti.writes, site{pos: at.Pos(), unit: unit, locked: w.locked()})
		}
	}
}

// useKind is what one mention of a target does to it.
type useKind int

const (
	useRead   useKind = iota
	useWrite          // adds to it
	useRemove         // removes from it or resets it
	useEscape         // hands it to code that may remove from it
)

// up returns the parent of stack[i], looking through parentheses, the
// child as the parent sees it, and the parent's index.
func up(stack []ast.Node, i int) (parent, child ast.Node, pi int) {
	for i > 0 {
		if _, ok := stack[i-1].(*ast.ParenExpr); !ok {
			break
		}
		i--
	}
	if i == 0 {
		return nil, stack[0], -1
	}
	return stack[i-1], stack[i], i - 1
}

// classify says what the mention stack[i] of t does to it, and the
// expression that does it (t, or an index expression into it).
func (w *walker) classify(t target, stack []ast.Node, i int) (useKind, ast.Node) {
	top := stack[i]
	depth := 0
	p, child, pi := up(stack, i)
	// m[a][b] writes the map inside m: walk up through the index expressions.
	for {
		ix, ok := p.(*ast.IndexExpr)
		if !ok || ix.X != child {
			break
		}
		top, depth = ix, depth+1
		p, child, pi = up(stack, pi)
	}
	var ix *ast.IndexExpr
	if depth > 0 {
		ix = top.(*ast.IndexExpr)
	}
	switch p := p.(type) {
	case *ast.AssignStmt:
		for j, lhs := range p.Lhs {
			if lhs != child {
				continue
			}
			var rhs ast.Expr
			if p.Tok == token.ASSIGN && len(p.Lhs) == len(p.Rhs) {
				rhs = p.Rhs[j]
			}
			if depth > 0 {
				if w.growsMap(ix, rhs) {
					return useWrite, top
				}
				return useRead, nil
			}
			if rhs != nil && w.appendsTo(rhs, t) {
				return useWrite, top
			}
			if p.Tok != token.ASSIGN && p.Tok != token.DEFINE {
				return useRead, nil
			}
			if w.initialises(t, stack) {
				if t.field != nil || gintypes.IsPackageLevel(t.root) || w.isFresh(rhs) {
					return useRead, nil // initialisation, not a reset
				}
				return useEscape, nil // m = s.cache: shared with its owner
			}
			return useRemove, nil
		}
		if depth == 0 {
			return useEscape, nil // an alias: x := m
		}
	case *ast.IncDecStmt:
		if depth > 0 && w.growsMap(ix, nil) {
			return useWrite, top
		}
	case *ast.RangeStmt:
		if depth > 0 && p.Tok == token.ASSIGN && (child == p.Key || child == p.Value) && w.growsMap(ix, nil) {
			return useWrite, top
		}
	case *ast.CallExpr:
		return w.classifyArg(p, child, depth, top)
	case *ast.SelectorExpr:
		if p.X == child && depth == 0 {
			return w.classifyMethod(p, stack, pi)
		}
	case *ast.UnaryExpr:
		if p.Op == token.AND && depth == 0 {
			return useEscape, nil
		}
	case *ast.ReturnStmt:
		if depth == 0 {
			return useEscape, nil // a getter: its callers may trim it
		}
	case *ast.ValueSpec:
		if depth == 0 {
			for _, v := range p.Values {
				if v == child {
					return useEscape, nil
				}
			}
		}
	}
	return useRead, nil
}

// classifyArg classifies a target (or an index into it) used as an
// argument of call.
func (w *walker) classifyArg(call *ast.CallExpr, child ast.Node, depth int, top ast.Node) (useKind, ast.Node) {
	if call.Fun == child || len(call.Args) == 0 {
		return useRead, nil
	}
	first := call.Args[0] == child
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := w.info.Uses[id].(*types.Builtin); ok {
			if first && (b.Name() == "delete" || b.Name() == "clear") {
				return useRemove, nil
			}
			return useRead, nil
		}
	}
	if tv, ok := w.info.Types[call.Fun]; ok && tv.IsType() {
		if depth == 0 {
			return useEscape, nil // a conversion is an alias
		}
		return useRead, nil
	}
	fn := gintypes.Callee(w.info, call)
	switch {
	case fn == nil:
		if depth == 0 {
			return useEscape, nil // a function value may do anything
		}
	case first && gintypes.IsFunc(fn, "maps", "DeleteFunc"):
		return useRemove, nil
	case first && gintypes.IsFunc(fn, "maps", "Copy", "Insert"):
		return useWrite, top
	case fn.Pkg() == w.pass.Pkg && depth == 0:
		return useEscape, nil
	}
	return useRead, nil
}

// classifyMethod classifies a method selected on a target.
func (w *walker) classifyMethod(sel *ast.SelectorExpr, stack []ast.Node, si int) (useKind, ast.Node) {
	s := w.info.Selections[sel]
	if s == nil {
		return useRead, nil
	}
	fn, ok := s.Obj().(*types.Func)
	if !ok {
		return useRead, nil
	}
	switch {
	case gintypes.IsMethod(fn, isSyncMap, "Store", "LoadOrStore", "Swap"):
		if p, child, _ := up(stack, si); p != nil {
			if call, ok := p.(*ast.CallExpr); ok && call.Fun == child {
				return useWrite, sel
			}
		}
	case gintypes.IsMethod(fn, isSyncMap, "Delete", "LoadAndDelete", "CompareAndDelete", "Clear"):
		return useRemove, nil
	case fn.Pkg() == w.pass.Pkg:
		return useEscape, nil // a method of a named map or slice type
	}
	return useRead, nil
}

// growsMap reports whether assigning rhs (nil for ++, op= and unknown) to
// ix adds to a map: ix indexes a map and the key is not bounded, or the
// value itself grows (m["log"] = append(m["log"], x)).
func (w *walker) growsMap(ix *ast.IndexExpr, rhs ast.Expr) bool {
	t := w.info.TypeOf(ix.X)
	if t == nil {
		return false
	}
	m, ok := t.Underlying().(*types.Map)
	if !ok {
		return false // a slice or array element: overwritten in place
	}
	if rhs != nil && isAppend(w.info, rhs) {
		return true
	}
	if tv, ok := w.info.Types[ix.Index]; ok && tv.Value != nil {
		return false // a constant key: one entry at most
	}
	if b, ok := m.Key().Underlying().(*types.Basic); ok && b.Kind() == types.Bool {
		return false
	}
	return true
}

func isAppend(info *types.Info, e ast.Expr) bool {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok {
		return false
	}
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok {
		return false
	}
	b, ok := info.Uses[id].(*types.Builtin)
	return ok && b.Name() == "append"
}

// appendsTo reports whether e is append(t, ...): t grows. append(t[:0],
// ...) and friends reslice it instead.
func (w *walker) appendsTo(e ast.Expr, t target) bool {
	if !isAppend(w.info, e) {
		return false
	}
	call := ast.Unparen(e).(*ast.CallExpr)
	return len(call.Args) > 0 && w.is(call.Args[0], t)
}

// is reports whether e denotes t itself.
func (w *walker) is(e ast.Expr, t target) bool {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		return t.field == nil && w.info.Uses[e] == types.Object(t.root)
	case *ast.SelectorExpr:
		id, ok := ast.Unparen(e.X).(*ast.Ident)
		return ok && t.field != nil && w.info.Uses[id] == types.Object(t.root) &&
			w.info.Uses[e.Sel] == types.Object(t.field)
	}
	return false
}

// startup reports whether the statement at the top of stack runs once at
// start-up: directly in init, or in package main's main outside loops and
// function literals.
func (w *walker) startup(stack []ast.Node) bool {
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.ForStmt, *ast.RangeStmt, *ast.FuncLit:
			return false
		case *ast.FuncDecl:
			if n.Recv != nil {
				return false
			}
			return n.Name.Name == "init" || (n.Name.Name == "main" && w.pass.Pkg.Name() == "main")
		}
	}
	return false
}

// initialises reports whether the assignment at the top of stack sets t up
// rather than resets it. For a package-level variable, that is start-up
// code; for a local one, the straight-line body of the function declaring
// it (outside loops and function literals), which runs once, when the
// handlers capturing it are made.
func (w *walker) initialises(t target, stack []ast.Node) bool {
	if t.field != nil || gintypes.IsPackageLevel(t.root) {
		return w.startup(stack)
	}
	for i := len(stack) - 1; i >= 0; i-- {
		switch n := stack[i].(type) {
		case *ast.ForStmt, *ast.RangeStmt:
			return false
		case *ast.FuncDecl, *ast.FuncLit:
			return within(n, t.root.Pos())
		}
	}
	return false
}

// reach is how a unit is reached from the handlers.
type reach struct {
	any, unlocked bool
	via           int // the handler unit it was first reached from
}

// reachability walks the same-package call graph from the root units.
// A unit is reached unlocked if some path reaches it with no mutex locked
// along the way.
func (w *walker) reachability(root func(u int) bool) []reach {
	r := make([]reach, len(w.units))
	type state struct {
		u      int
		locked bool
	}
	var queue []state
	for u := range w.units {
		if root(u) {
			r[u] = reach{any: true, unlocked: true, via: u}
			queue = append(queue, state{u, false})
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range w.units[s.u].edges {
			to, ok := w.unitOf[e.to]
			if !ok {
				continue
			}
			locked := s.locked || e.locked
			switch {
			case !r[to].any:
				r[to] = reach{any: true, unlocked: !locked, via: r[s.u].via}
			case !locked && !r[to].unlocked:
				r[to].unlocked = true
			default:
				continue
			}
			queue = append(queue, state{to, locked})
		}
	}
	return r
}

func (w *walker) report(rep *rule.Reporter) {
	var ts []target
	for t, ti := range w.targets {
		if !ti.removed && !w.cleared[t.root] && len(ti.writes) > 0 {
			ts = append(ts, t)
		}
	}
	if len(ts) == 0 {
		return
	}
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].root.Pos() != ts[j].root.Pos() {
			return ts[i].root.Pos() < ts[j].root.Pos()
		}
		return ts[i].name() < ts[j].name()
	})
	// From the handlers for package-level targets; for local ones, from the
	// kept handler literals that capture them.
	var fromHandlers, fromKept []reach
	for _, t := range ts {
		ti := w.targets[t]
		l, isLocal := w.locals[t.root]
		var r []reach
		switch {
		case !isLocal:
			if fromHandlers == nil {
				fromHandlers = w.reachability(func(u int) bool { return w.units[u].handler })
			}
			r = fromHandlers
		default:
			if fromKept == nil {
				w.resolveKept()
				fromKept = w.reachability(w.keptLit)
			}
			r = fromKept
		}
		var first, race *site
		for i := range ti.writes {
			s := &ti.writes[i]
			if !r[s.unit].any {
				continue
			}
			if via := w.units[r[s.unit].via]; isLocal && via.contains(t.root.Pos()) {
				continue // a local of the handler itself: it lives for one request
			}
			if first == nil || s.pos < first.pos {
				first = s
			}
			if ti.kind != kindSyncMap && !s.locked && r[s.unit].unlocked && (race == nil || s.pos < race.pos) {
				race = s
			}
		}
		if first == nil {
			continue
		}
		rep.Report(analysis.Diagnostic{
			Pos:     t.root.Pos(),
			End:     t.root.Pos() + token.Pos(len(t.root.Name())),
			Message: w.message(t, l, ti.kind, first, race, r),
		})
	}
}

// contains reports whether pos lies in a handler literal (false for other
// units).
func (u unit) contains(pos token.Pos) bool { return u.pos <= pos && pos < u.end }

// resolveKept marks the local handler variables kept through copies:
// h := func(c *gin.Context) {...}; h2 := h; r.Use(h2).
func (w *walker) resolveKept() {
	for changed := true; changed; {
		changed = false
		for v, tos := range w.flows {
			if w.kept[v] {
				continue
			}
			for _, to := range tos {
				if w.kept[to] {
					w.kept[v], changed = true, true
					break
				}
			}
		}
	}
}

// keptLit reports whether unit u is a handler literal that outlives the
// function making it. Call after resolveKept.
func (w *walker) keptLit(u int) bool {
	un := w.units[u]
	return un.lit && (un.kept || un.via != nil && w.kept[un.via])
}

func (w *walker) message(t target, l local, k kind, first, race *site, r []reach) string {
	what, verb, never, advice := "map", "written", "nothing ever deletes from it",
		"use a bounded TTL/LRU cache (e.g. github.com/maypok86/otter/v2) or delete entries"
	switch k {
	case kindSyncMap:
		what, verb = "sync.Map", "stored"
	case kindSlice:
		what, verb, never, advice = "slice", "appended", "nothing ever trims it",
			"cap its length, trim or reset it, or use a bounded ring buffer"
	}
	var b strings.Builder
	if l.owner != nil {
		fmt.Fprintf(&b, "%s %s, local to %s and captured by a handler closure, grows on every request (%s at %s %s) and %s: "+
			"the closure keeps it alive as long as the handler is registered (for the life of the server), so memory grows without bound — %s",
			what, t.name(), l.name, verb, w.where(first.pos), w.in(first.unit, r), never, advice)
	} else {
		fmt.Fprintf(&b, "package-level %s %s grows on every request (%s at %s %s) and %s: memory grows without bound — %s",
			what, t.name(), verb, w.where(first.pos), w.in(first.unit, r), never, advice)
	}
	if race != nil {
		if race == first {
			b.WriteString("; the write is also a data race: no mutex is held")
		} else {
			fmt.Fprintf(&b, "; the write at %s is also a data race: no mutex is held", w.where(race.pos))
		}
	}
	return b.String()
}

func (w *walker) where(pos token.Pos) string {
	p := w.pass.Fset.Position(pos)
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}

func (w *walker) in(u int, r []reach) string {
	if w.units[u].handler {
		return "in handler " + w.units[u].name
	}
	return "in " + w.units[u].name + ", reached from handler " + w.units[r[u].via].name
}
