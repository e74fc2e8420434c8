package clienttimeout

import (
	"go/ast"
	"slices"
	"strings"

	"golang.org/x/tools/go/analysis"

	"github.com/ginleak/ginleak/analysis/internal/fixutil"
)

// Fix messages. ginleak vet -fix applies the first fix offered, the
// overall Timeout; an editor offers both.
const (
	timeoutFixMsg   = "Set Timeout: 10 * time.Second"
	transportFixMsg = "Set a Transport with dial, TLS and response-header timeouts (for long transfers; give each request a context deadline)"
)

// fixes returns the suggested fixes for a client literal without a
// Timeout: the overall Timeout, and, for a literal that sets no Transport,
// a Transport bounded at the connection. Either is left out when the
// packages it names cannot be referred to there.
func (w *walker) fixes(file *ast.File, lit *ast.CompositeLit) []analysis.SuggestedFix {
	var fixes []analysis.SuggestedFix
	if f, ok := w.timeoutFix(file, lit); ok {
		fixes = append(fixes, f)
	}
	if f, ok := w.transportFix(file, lit); ok {
		fixes = append(fixes, f)
	}
	return fixes
}

// timeoutFix adds Timeout: 10 * time.Second to lit, importing "time" if
// needed.
func (w *walker) timeoutFix(file *ast.File, lit *ast.CompositeLit) (analysis.SuggestedFix, bool) {
	if file == nil {
		return analysis.SuggestedFix{}, false
	}
	tf := w.pass.Fset.File(lit.Pos())
	if tf == nil {
		return analysis.SuggestedFix{}, false
	}
	qual, edits, ok := fixutil.Qualifier(w.pass.Pkg, file, lit.Lbrace, "time", "Second")
	if !ok {
		return analysis.SuggestedFix{}, false
	}
	return analysis.SuggestedFix{
		Message:   timeoutFixMsg,
		TextEdits: append(edits, fixutil.AddField(tf, lit, "Timeout: 10 * "+qual+"Second")),
	}, true
}

// transportFix adds a Transport with the settings of
// http.DefaultTransport (proxy from the environment, HTTP/2, idle pool) and
// a ResponseHeaderTimeout, importing net, net/http and time as needed. A
// bare &http.Transport{} would drop the proxy, HTTP/2 and the idle
// connection timeout, so the default's fields are written out.
func (w *walker) transportFix(file *ast.File, lit *ast.CompositeLit) (analysis.SuggestedFix, bool) {
	none := analysis.SuggestedFix{}
	if file == nil || hasKey(lit, "Transport") {
		return none, false
	}
	tf, src, ok := fixutil.Source(w.pass, lit.Pos())
	if !ok {
		return none, false
	}
	quals := make(map[string]string, 3)
	var missing []string
	for _, p := range []struct{ path, member string }{
		{"net", "Dialer"}, {"net/http", "Transport"}, {"time", "Second"},
	} {
		q, edits, ok := fixutil.Qualifier(w.pass.Pkg, file, lit.Lbrace, p.path, p.member)
		if !ok {
			return none, false
		}
		quals[p.path] = q
		if len(edits) > 0 {
			missing = append(missing, p.path)
		}
	}
	slices.Sort(missing)
	h, n, t := quals["net/http"], quals["net"], quals["time"]
	// The indentation of the inserted field's line: one tab more than the
	// closing brace's line in a multi-line literal, that line's otherwise.
	ind, _ := fixutil.Indent(tf, src, lit.Rbrace)
	if len(lit.Elts) == 0 || tf.Line(lit.Elts[len(lit.Elts)-1].End()) != tf.Line(lit.Rbrace) {
		if tf.Line(lit.Lbrace) != tf.Line(lit.Rbrace) {
			ind += "\t"
		}
	}
	var b strings.Builder
	b.WriteString("Transport: &" + h + "Transport{\n")
	for _, f := range [][2]string{
		{"Proxy:                 ", h + "ProxyFromEnvironment"},
		{"DialContext:           ", "(&" + n + "Dialer{Timeout: 30 * " + t + "Second, KeepAlive: 30 * " + t + "Second}).DialContext"},
		{"ForceAttemptHTTP2:     ", "true"},
		{"MaxIdleConns:          ", "100"},
		{"IdleConnTimeout:       ", "90 * " + t + "Second"},
		{"TLSHandshakeTimeout:   ", "10 * " + t + "Second"},
		{"ResponseHeaderTimeout: ", "30 * " + t + "Second"},
		{"ExpectContinueTimeout: ", t + "Second"},
	} {
		b.WriteString(ind + "\t" + f[0] + f[1] + ",\n")
	}
	b.WriteString(ind + "}")
	edits := fixutil.AddStdImports(tf, src, file, false, missing...)
	return analysis.SuggestedFix{
		Message:   transportFixMsg,
		TextEdits: append(edits, fixutil.AddField(tf, lit, b.String())),
	}, true
}

// hasKey reports whether lit has an element keyed name.
func hasKey(lit *ast.CompositeLit, name string) bool {
	for _, elt := range lit.Elts {
		if kv, ok := elt.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == name {
				return true
			}
		}
	}
	return false
}
