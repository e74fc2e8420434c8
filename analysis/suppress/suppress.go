// Package suppress checks //ginleak:ignore directives: each needs a reason,
// must name a known rule, and must silence something. A directive that
// silences nothing is stale — the code it excused changed — and hides the
// next real finding on that line, so it is reported.
package suppress

import (
	"go/token"
	"strings"

	"github.com/ginleak/ginleak/analysis/rule"
	"golang.org/x/tools/go/analysis"
)

// Doc is the analyzer's documentation.
const Doc = `suppress: report malformed and unused //ginleak:ignore directives

A directive has the form //ginleak:ignore <rule>[,<rule>...] <reason>, on the
line of the finding or the line above it. A directive without a reason
silences nothing; a directive that names an unknown rule, or that silences
no finding of the rules that ran, is reported so it can be fixed or removed.`

// Metadata of the directive check, reported like a rule's.
const (
	ID    = "GL0001"
	Title = "malformed or unused //ginleak:ignore directive"
)

// Rule describes the analyzer New returns, for listings and SARIF.
func Rule(a *analysis.Analyzer) rule.Rule {
	return rule.Rule{Analyzer: a, ID: ID, Title: Title, Severity: rule.Warning, Since: "v0.1.0"}
}

// New returns the suppress analyzer for the rules that run (enabled) out of
// all the rules that exist (known). Directives naming a known rule that did
// not run are left alone: whether they are stale cannot be told.
func New(enabled, known []rule.Rule) *analysis.Analyzer {
	c := checker{enabled: enabled, known: known}
	return &analysis.Analyzer{
		Name:     "suppress",
		Doc:      Doc,
		URL:      rule.DocsBase + "../suppression.md",
		Requires: analyzersOf(enabled),
		Run:      c.run,
	}
}

type checker struct {
	enabled, known []rule.Rule
}

func (c checker) run(pass *analysis.Pass) (any, error) {
	reportLookalikes(pass)
	directives := rule.Directives(pass.Fset, pass.Files)
	if len(directives) == 0 {
		return nil, nil
	}
	used := map[token.Pos]bool{}
	for _, r := range c.enabled {
		if u, ok := pass.ResultOf[r.Analyzer].(*rule.Used); ok && u != nil {
			for _, p := range u.Directives {
				used[p] = true
			}
		}
	}
	for _, d := range directives {
		if len(d.Rules) == 0 {
			pass.Reportf(d.Pos, "//ginleak:ignore names no rule: write //ginleak:ignore <rule> <reason>")
			continue
		}
		if unknown := c.unknown(d); len(unknown) > 0 {
			pass.Reportf(d.Pos, "//ginleak:ignore names unknown rule %s: run ginleak vet -list for the rule names", strings.Join(unknown, ", "))
			continue
		}
		if d.Reason == "" {
			pass.Reportf(d.Pos, "//ginleak:ignore %s has no reason, so it silences nothing: add why the finding is safe, e.g. //ginleak:ignore %s <reason>", strings.Join(d.Rules, ","), strings.Join(d.Rules, ","))
			continue
		}
		if !used[d.Pos] && c.allEnabled(d) {
			pass.Reportf(d.Pos, "//ginleak:ignore %s silences nothing on this line or the next: remove it", strings.Join(d.Rules, ","))
		}
	}
	return nil, nil
}

// reportLookalikes reports comments that were meant as directives but are
// not one — "// ginleak:ignore" with a space, or a block comment — since
// they silence nothing and the author would not know.
func reportLookalikes(pass *analysis.Pass) {
	for _, f := range pass.Files {
		for _, cg := range f.Comments {
			for _, cm := range cg.List {
				if strings.HasPrefix(cm.Text, rule.DirectivePrefix) {
					continue
				}
				body := strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(cm.Text, "//"), "/*"), "*/"))
				if strings.HasPrefix(body, "ginleak:ignore") {
					pass.Reportf(cm.Slash, "this comment is not a directive and silences nothing: write it as //ginleak:ignore <rule> <reason>, a line comment with no space after //")
				}
			}
		}
	}
}

func (c checker) unknown(d rule.Directive) []string {
	var out []string
	for _, name := range d.Rules {
		if !matchesAny(c.known, name) {
			out = append(out, name)
		}
	}
	return out
}

// allEnabled reports whether every rule the directive names ran, so that an
// unused directive is really stale.
func (c checker) allEnabled(d rule.Directive) bool {
	for _, name := range d.Rules {
		if !matchesAny(c.enabled, name) {
			return false
		}
	}
	return true
}

func matchesAny(rules []rule.Rule, name string) bool {
	for _, r := range rules {
		if r.Name() == name || r.ID == name {
			return true
		}
	}
	return false
}

func analyzersOf(rules []rule.Rule) []*analysis.Analyzer {
	out := make([]*analysis.Analyzer, len(rules))
	for i, r := range rules {
		out[i] = r.Analyzer
	}
	return out
}
