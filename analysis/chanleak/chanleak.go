package chanleak

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/rule"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
	"golang.org/x/tools/go/types/typeutil"
)

// Analyzer reports goroutines that can block forever on a local channel.
var Analyzer = &analysis.Analyzer{
	Name:       "chanleak",
	Doc:        Doc,
	URL:        rule.DocsBase + "chanleak.md",
	Requires:   []*analysis.Analyzer{inspect.Analyzer},
	ResultType: rule.ResultType,
	Run:        run,
}

// ruleID is the rule's stable ID. run uses the constant, not Rule.ID, which
// would make an initialization cycle (Rule refers to Analyzer refers to run).
const ruleID = "GL1005"

// Rule is the analyzer's metadata.
var Rule = rule.Rule{
	Analyzer: Analyzer,
	ID:       ruleID,
	Title:    "goroutine can block forever on a channel nobody serves",
	Severity: rule.Warning,
	Since:    "v0.1.0",
}

// run finds the functions that make channels into local variables and checks
// each such function once. Unlike most ginleak rules it runs on every
// package: goroutine leaks are not specific to handlers.
func run(pass *analysis.Pass) (any, error) {
	rep := rule.NewReporter(pass, ruleID)
	analyze(pass, rep.Report)
	return rep.Result(), nil
}

// analyze reports the package's blocked goroutines through report. It
// returns the work done (see pkgIndex.steps), for the linearity test.
func analyze(pass *analysis.Pass, report func(analysis.Diagnostic)) int {
	insp, ok := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	if !ok {
		return 0
	}
	var order []*ast.BlockStmt
	owners := map[*ast.BlockStmt][]*chanVar{}
	for cur := range insp.Root().Preorder((*ast.CallExpr)(nil)) {
		call, _ := cur.Node().(*ast.CallExpr)
		if call == nil || !isBuiltin(pass.TypesInfo, call, "make") || len(call.Args) == 0 || !isChan(pass.TypesInfo.TypeOf(call)) {
			continue
		}
		body := enclosingBody(cur)
		if body == nil {
			continue
		}
		cv := newChanVar(pass.TypesInfo, cur.Parent().Node(), call, body)
		if cv == nil {
			continue
		}
		if _, seen := owners[body]; !seen {
			order = append(order, body)
		}
		owners[body] = append(owners[body], cv)
	}
	idx := &pkgIndex{info: pass.TypesInfo, files: pass.Files}
	for _, body := range order {
		for _, d := range check(idx, pass.Fset, body, owners[body]) {
			report(d)
		}
	}
	return idx.steps.n
}

// check walks one function body and returns the diagnostics for its
// channels: the main check first, then the streaming one (stream.go).
// Each walks the body once for all its channels: the cost of a check is
// linear in the size of the function, whatever the number of channels.
func check(idx *pkgIndex, fset *token.FileSet, body *ast.BlockStmt, chans []*chanVar) []analysis.Diagnostic {
	w := newWalker(idx.info, body, chans)
	w.steps = &idx.steps
	w.walk()
	var out []analysis.Diagnostic
	reported := map[*chanVar]bool{}
	var streams map[types.Object]*streamScan // made on first need
	for _, cv := range chans {
		if reported[cv] {
			continue
		}
		if d, ok := w.diagnose(fset, cv); ok {
			out = append(out, d)
			reported[cv] = true
			continue
		}
		if cv.capacity < 0 {
			continue // sized for the senders, see sender()
		}
		if streams == nil {
			streams = scanUses(idx.info, body, streamVars(chans), true, &idx.steps)
		}
		if d, ok := idx.streamCheck(fset, body, cv, streams[cv.obj], w.stops); ok {
			out = append(out, d)
			reported[cv] = true
		}
	}
	return out
}

// streamVars are the variables of the channels the streaming check may
// judge: those with a constant buffer.
func streamVars(chans []*chanVar) []types.Object {
	var objs []types.Object
	for _, cv := range chans {
		if cv.capacity >= 0 {
			objs = append(objs, cv.obj)
		}
	}
	return objs
}

// chanVar is a local variable holding a channel made in its function.
type chanVar struct {
	obj      *types.Var
	make     *ast.CallExpr
	assign   ast.Node // the statement or spec that assigns the make
	capacity int64    // buffer size; -1 when not a constant
	ops      []op
	escaped  bool // used in a way the analyzer does not follow
	other    bool // used by a function literal that is not a go statement's
	closed   bool
}

// newChanVar returns the channel variable that parent assigns from call, or
// nil when the make is not assigned to a local variable of body.
func newChanVar(info *types.Info, parent ast.Node, call *ast.CallExpr, body *ast.BlockStmt) *chanVar {
	var id *ast.Ident
	switch p := parent.(type) {
	case *ast.AssignStmt:
		if len(p.Lhs) == len(p.Rhs) && (p.Tok == token.DEFINE || p.Tok == token.ASSIGN) {
			for i, r := range p.Rhs {
				if r == call {
					id, _ = ast.Unparen(p.Lhs[i]).(*ast.Ident)
				}
			}
		}
	case *ast.ValueSpec:
		if len(p.Names) == len(p.Values) {
			for i, v := range p.Values {
				if v == call {
					id = p.Names[i]
				}
			}
		}
	}
	if id == nil || id.Name == "_" {
		return nil
	}
	v, _ := info.ObjectOf(id).(*types.Var)
	if v == nil || v.IsField() || v.Pos() < body.Pos() || v.Pos() >= body.End() {
		return nil
	}
	cv := &chanVar{obj: v, make: call, assign: parent, capacity: 0}
	if len(call.Args) > 1 {
		cv.capacity = -1
		if tv, ok := info.Types[call.Args[1]]; ok && tv.Value != nil && tv.Value.Kind() == constant.Int {
			if n, exact := constant.Int64Val(tv.Value); exact {
				cv.capacity = n
			}
		}
	}
	return cv
}

// enclosingBody is the body of the innermost function around cur.
func enclosingBody(cur inspector.Cursor) *ast.BlockStmt {
	for fc := range cur.Enclosing((*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)) {
		return gintypes.FuncBody(fc.Node())
	}
	return nil
}

func isChan(t types.Type) bool {
	if t == nil {
		return false
	}
	_, ok := t.Underlying().(*types.Chan)
	return ok
}

// isBuiltin reports whether call calls the predeclared function name (and
// not a local function that shadows it).
func isBuiltin(info *types.Info, call *ast.CallExpr, name string) bool {
	b, ok := typeutil.Callee(info, call).(*types.Builtin)
	return ok && b.Name() == name
}
