// Package rule holds what every ginleak analyzer shares: the rule metadata
// kept beside each analyzer (staticcheck style), and the Reporter that honours
// //ginleak:ignore directives so that suppression works the same in every
// driver (ginleak vet, go vet -vettool, golangci-lint).
package rule

import (
	"fmt"
	"go/ast"
	"go/token"
	"reflect"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Severity says how bad a finding is. SARIF and golangci-lint use it.
type Severity string

// The severities a rule can have.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
	Info    Severity = "info"
)

// ParseSeverity parses a severity name.
func ParseSeverity(s string) (Severity, bool) {
	switch Severity(s) {
	case Error, Warning, Info:
		return Severity(s), true
	}
	return "", false
}

// DocsBase is where the rule pages live; each rule links DocsBase + name + ".md".
const DocsBase = "https://github.com/ginleak/ginleak/blob/main/docs/rules/"

// Rule is an analyzer with the metadata that outlives any one release:
// a stable ID, a one-line title, a severity and the version it appeared in.
type Rule struct {
	Analyzer *analysis.Analyzer
	ID       string   // stable, e.g. "GL1001"; never reused
	Title    string   // one line, no trailing period
	Severity Severity // default severity of its findings
	Since    string   // ginleak version that introduced it
}

// Name is the analyzer name, which is also the rule name users type.
func (r Rule) Name() string { return r.Analyzer.Name }

// DocURL is the rule's documentation page.
func (r Rule) DocURL() string { return DocsBase + r.Analyzer.Name + ".md" }

// Used lists the //ginleak:ignore directives that silenced a finding of one
// analyzer in one package. Every rule analyzer returns it as its result so
// that the suppress analyzer can report directives that silence nothing.
type Used struct {
	Directives []token.Pos
}

// ResultType is the ResultType of every rule analyzer.
var ResultType = reflect.TypeOf((*Used)(nil))

// DirectivePrefix starts a suppression comment.
const DirectivePrefix = "//ginleak:ignore"

// Directive is one parsed //ginleak:ignore comment.
type Directive struct {
	Pos    token.Pos
	Rules  []string // rule names or IDs, comma separated in the source
	Reason string
	File   *token.File
	Line   int
}

// Matches reports whether the directive names the rule (by name or ID).
func (d Directive) Matches(name, id string) bool {
	for _, r := range d.Rules {
		if r == name || (id != "" && r == id) {
			return true
		}
	}
	return false
}

// Directives parses every //ginleak:ignore comment in files.
func Directives(fset *token.FileSet, files []*ast.File) []Directive {
	var out []Directive
	for _, f := range files {
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				d, ok := ParseDirective(c.Text)
				if !ok {
					continue
				}
				d.Pos = c.Slash
				d.File = fset.File(c.Slash)
				d.Line = d.File.Line(c.Slash)
				out = append(out, d)
			}
		}
	}
	return out
}

// ParseDirective parses the text of one comment. ok is false when the comment
// is not a ginleak directive at all.
func ParseDirective(text string) (d Directive, ok bool) {
	rest, found := strings.CutPrefix(text, DirectivePrefix)
	if !found || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return Directive{}, false
	}
	fields := strings.Fields(rest)
	if len(fields) > 0 {
		for _, r := range strings.Split(fields[0], ",") {
			if r != "" {
				d.Rules = append(d.Rules, r)
			}
		}
		d.Reason = strings.Join(fields[1:], " ")
	}
	return d, true
}

// Reporter reports an analyzer's diagnostics unless a //ginleak:ignore
// directive with a reason on the same line or the line above silences them.
type Reporter struct {
	pass       *analysis.Pass
	id         string
	directives []Directive
	parsed     bool
	used       Used
}

// NewReporter returns a Reporter for pass. id is the rule's stable ID, which
// directives may use instead of its name.
func NewReporter(pass *analysis.Pass, id string) *Reporter {
	return &Reporter{pass: pass, id: id}
}

// Reportf reports a diagnostic at pos unless it is suppressed.
func (r *Reporter) Reportf(pos token.Pos, format string, args ...any) {
	r.Report(analysis.Diagnostic{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

// ReportSeverity reports d with a severity other than the rule's default
// (carried in the diagnostic's category, which drivers read back with
// ParseSeverity) unless it is suppressed.
func (r *Reporter) ReportSeverity(d analysis.Diagnostic, s Severity) {
	d.Category = string(s)
	r.Report(d)
}

// Report reports d unless it is suppressed.
func (r *Reporter) Report(d analysis.Diagnostic) {
	if r.suppressed(d.Pos) {
		return
	}
	if d.Category == "" {
		d.Category = r.pass.Analyzer.Name
	}
	r.pass.Report(d)
}

// Result is what the analyzer's Run returns.
func (r *Reporter) Result() *Used { return &r.used }

func (r *Reporter) suppressed(pos token.Pos) bool {
	if !pos.IsValid() {
		return false
	}
	if !r.parsed {
		r.directives = Directives(r.pass.Fset, r.pass.Files)
		r.parsed = true
	}
	if len(r.directives) == 0 {
		return false
	}
	tf := r.pass.Fset.File(pos)
	if tf == nil {
		return false
	}
	line := tf.Line(pos)
	for _, d := range r.directives {
		if d.File != tf || (d.Line != line && d.Line != line-1) {
			continue
		}
		// A directive without a reason silences nothing; the suppress
		// analyzer reports it so the author adds one.
		if d.Reason == "" || !d.Matches(r.pass.Analyzer.Name, r.id) {
			continue
		}
		r.used.Directives = append(r.used.Directives, d.Pos)
		return true
	}
	return false
}
