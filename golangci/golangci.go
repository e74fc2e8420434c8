// Package golangci registers the ginleak rules as golangci-lint v2 module
// plugins: one plugin per rule, named after the rule, so that each finding
// in golangci-lint's output carries the rule's name and each rule can be
// enabled, disabled and excluded on its own. A last plugin, ginleaksuppress,
// reports malformed and unused //ginleak:ignore directives.
//
// Build a golangci-lint that includes it with `golangci-lint custom` and the
// .custom-gcl.yml shown in docs/golangci-lint.md.
package golangci

import (
	"github.com/ginleak/ginleak/analysis/registry"
	"github.com/ginleak/ginleak/analysis/suppress"
	"github.com/golangci/plugin-module-register/register"
	"golang.org/x/tools/go/analysis"
)

// SuppressPlugin is the name of the plugin that checks //ginleak:ignore.
const SuppressPlugin = "ginleaksuppress"

func init() {
	rules := registry.Rules()
	for _, r := range rules {
		register.Plugin(r.Name(), newPlugin(r.Analyzer))
	}
	register.Plugin(SuppressPlugin, newPlugin(suppress.New(rules, rules)))
}

// plugin serves one analyzer. The rules take no settings: any settings
// given are refused, so a typo in .golangci.yml is not silently ignored.
type plugin struct {
	analyzer *analysis.Analyzer
}

func newPlugin(a *analysis.Analyzer) register.NewPlugin {
	return func(conf any) (register.LinterPlugin, error) {
		if _, err := register.DecodeSettings[struct{}](conf); err != nil && conf != nil {
			return nil, err
		}
		return plugin{analyzer: a}, nil
	}
}

func (p plugin) BuildAnalyzers() ([]*analysis.Analyzer, error) {
	return []*analysis.Analyzer{p.analyzer}, nil
}

// GetLoadMode asks for type information: every rule needs it.
func (plugin) GetLoadMode() string { return register.LoadModeTypesInfo }
