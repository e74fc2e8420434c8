package globalcache

import (
	"go/ast"
	"go/token"
	"go/types"
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
	// pos, end: the unit's source, to tell which units are written inside
	// the function declaring a captured local.
	pos, end token.Pos
	// lit: a handler function literal inside a function. It is kept
	// (returned, registered or stored, so it lives as long as the server) if
	// kept is set or, once the walk is done, the local variable via is.
	lit  bool
	kept bool
	via  *types.Var
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
