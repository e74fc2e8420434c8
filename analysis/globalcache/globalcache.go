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

// Analyzer reports package-level maps, sync.Maps and slices that grow from
// request handling and are never trimmed.
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
	Title:    "package-level map or slice grows from request handling and is never trimmed",
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

// target is a package-level variable, or a field of one (field != nil).
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
		w.units = append(w.units, u)
	}
	if isGoLaunched(lit, stack) {
		fr.stopLock = true
	}
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

// unitHere is the unit the walk is in, or -1 during package initialisation.
func (w *walker) unitHere() int {
	for i := len(w.frames) - 1; i >= 0; i-- {
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
	case *types.Func:
		if obj.Pkg() == w.pass.Pkg {
			w.edge(obj.Origin())
		}
	case *types.Var:
		if obj.Pkg() != w.pass.Pkg || !gintypes.IsPackageLevel(obj) {
			return
		}
		if _, ok := obj.Type().Underlying().(*types.Signature); ok {
			w.edge(obj)
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

func (w *walker) edge(to types.Object) {
	if u := w.unitHere(); u >= 0 {
		w.units[u].edges = append(w.units[u].edges, edge{to: to, locked: w.locked()})
	}
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
			if w.startup(stack) {
				return useRead, nil // initialisation, not a reset
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

// reach is how a unit is reached from the handlers.
type reach struct {
	any, unlocked bool
	via           int // the handler unit it was first reached from
}

// reachability walks the same-package call graph from the handlers.
// A unit is reached unlocked if some path reaches it with no mutex locked
// along the way.
func (w *walker) reachability() []reach {
	r := make([]reach, len(w.units))
	type state struct {
		u      int
		locked bool
	}
	var queue []state
	for u, un := range w.units {
		if un.handler {
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
	r := w.reachability()
	for _, t := range ts {
		ti := w.targets[t]
		var first, race *site
		for i := range ti.writes {
			s := &ti.writes[i]
			if !r[s.unit].any {
				continue
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
			Message: w.message(t, ti.kind, first, race, r),
		})
	}
}

func (w *walker) message(t target, k kind, first, race *site, r []reach) string {
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
	fmt.Fprintf(&b, "package-level %s %s grows on every request (%s at %s %s) and %s: memory grows without bound — %s",
		what, t.name(), verb, w.where(first.pos), w.in(first.unit, r), never, advice)
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
