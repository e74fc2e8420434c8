// Package registry lists every ginleak rule in one place: ginleak vet,
// ginleak-vet (go vet -vettool), the golangci-lint plugin and the docs
// all read it, so a rule added here is everywhere.
package registry

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ginleak/ginleak/analysis/abortreturn"
	"github.com/ginleak/ginleak/analysis/bgcontext"
	"github.com/ginleak/ginleak/analysis/bodylimit"
	"github.com/ginleak/ginleak/analysis/bodyrestore"
	"github.com/ginleak/ginleak/analysis/chanleak"
	"github.com/ginleak/ginleak/analysis/clienttimeout"
	"github.com/ginleak/ginleak/analysis/ctxescape"
	"github.com/ginleak/ginleak/analysis/doublebind"
	"github.com/ginleak/ginleak/analysis/globalcache"
	"github.com/ginleak/ginleak/analysis/lateuse"
	"github.com/ginleak/ginleak/analysis/routeloop"
	"github.com/ginleak/ginleak/analysis/rule"
	"github.com/ginleak/ginleak/analysis/secretlog"
	"github.com/ginleak/ginleak/analysis/servertimeout"
	"golang.org/x/tools/go/analysis"
)

// Rules returns every rule, ordered by ID.
func Rules() []rule.Rule {
	rules := []rule.Rule{
		ctxescape.Rule,
		bodyrestore.Rule,
		routeloop.Rule,
		globalcache.Rule,
		chanleak.Rule,
		servertimeout.Rule,
		lateuse.Rule,
		abortreturn.Rule,
		doublebind.Rule,
		secretlog.Rule,
		bgcontext.Rule,
		clienttimeout.Rule,
		bodylimit.Rule,
	}
	sort.Slice(rules, func(i, j int) bool { return rules[i].ID < rules[j].ID })
	return rules
}

// Lookup finds a rule by name or ID.
func Lookup(nameOrID string) (rule.Rule, bool) {
	for _, r := range Rules() {
		if strings.EqualFold(r.Name(), nameOrID) || strings.EqualFold(r.ID, nameOrID) {
			return r, true
		}
	}
	return rule.Rule{}, false
}

// Select returns the rules left after applying enable and disable, each a
// list of rule names or IDs. An empty enable list means every rule.
func Select(enable, disable []string) ([]rule.Rule, error) {
	all := Rules()
	for _, n := range append(append([]string{}, enable...), disable...) {
		if _, ok := Lookup(n); !ok {
			return nil, fmt.Errorf("unknown rule %q (known: %s)", n, strings.Join(names(all), ", "))
		}
	}
	var out []rule.Rule
	for _, r := range all {
		on := len(enable) == 0 || contains(enable, r)
		if contains(disable, r) {
			on = false
		}
		if on {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no rule left to run after -enable/-disable")
	}
	return out, nil
}

// Analyzers returns the analyzers of rules.
func Analyzers(rules []rule.Rule) []*analysis.Analyzer {
	out := make([]*analysis.Analyzer, len(rules))
	for i, r := range rules {
		out[i] = r.Analyzer
	}
	return out
}

func contains(list []string, r rule.Rule) bool {
	for _, n := range list {
		if strings.EqualFold(n, r.Name()) || strings.EqualFold(n, r.ID) {
			return true
		}
	}
	return false
}

func names(rules []rule.Rule) []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.Name() + " (" + r.ID + ")"
	}
	return out
}
