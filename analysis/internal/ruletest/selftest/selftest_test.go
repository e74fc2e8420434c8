package selftest

import (
	"go/ast"
	"testing"

	"github.com/ginleak/ginleak/analysis/gintypes"
	"github.com/ginleak/ginleak/analysis/internal/ruletest"
	"github.com/ginleak/ginleak/analysis/rule"
	"golang.org/x/tools/go/analysis"
)

var a = &analysis.Analyzer{Name: "selftest", Doc: "x", ResultType: rule.ResultType, Run: func(pass *analysis.Pass) (any, error) {
	r := rule.NewReporter(pass, "GL0")
	for _, f := range pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			if fd, ok := n.(*ast.FuncDecl); ok && gintypes.KindOf(gintypes.FuncSignature(pass.TypesInfo, fd)) == gintypes.GinHandler {
				r.Reportf(fd.Pos(), "gin handler %s", fd.Name.Name)
			}
			return true
		})
	}
	return r.Result(), nil
}}

func TestSelf(t *testing.T) { ruletest.Run(t, a, "a") }
