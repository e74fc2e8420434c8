package htmlreport

import (
	"html/template"
	"io"
	"path/filepath"

	"github.com/google/renameio/v2"
)

// page is what the template renders: a banner and sections.
type page struct {
	Title    string
	Verdict  string // leak, stable, inconclusive, passed, failed: the banner's class
	Headline string
	Reason   string
	Facts    []fact
	Sections []section
	Footer   []string
}

type fact struct{ Label, Value string }

type section struct {
	Title  string
	Note   string
	Badge  string // a verdict-like class for the heading, optional
	Facts  []fact
	Charts []template.HTML
	Tables []table
	List   []string
}

type table struct {
	Caption string
	Head    []string
	Rows    [][]cellv
}

type cellv struct {
	Text  string
	Class string // "num", "code", "bad", "good", ""
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
main{max-width:1180px;margin:0 auto;padding:16px 24px 48px}
.banner{padding:18px 24px;border-radius:8px;margin:16px 0;color:#fff}
.banner h1{margin:0 0 6px;font-size:26px}
.banner p{margin:0;font-size:15px;line-height:1.4}
.leak,.failed{background:#b3261e}.stable,.passed{background:#1e7b34}.inconclusive{background:#a15c00}.info{background:#35506e}
.facts{display:flex;flex-wrap:wrap;gap:8px;margin:10px 0}
.fact{background:#fff;border:1px solid #ddd;border-radius:6px;padding:6px 10px;font-size:13px}
.fact b{display:block;font-size:16px}
section{background:#fff;border:1px solid #e2e2e2;border-radius:8px;padding:12px 20px;margin:16px 0}
section h2{font-size:19px;margin:6px 0}
.badge{font-size:12px;color:#fff;padding:2px 8px;border-radius:10px;vertical-align:middle;margin-left:8px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:12px}
svg.chart{width:100%;height:auto;background:#fff;font-size:12px}
svg .title{font-size:14px;font-weight:600}svg .axis{font-size:12px;fill:#333}svg .tick{font-size:11px;fill:#555}svg .legend{font-size:12px}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}
caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
td.code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}
td.bad{color:#b3261e;font-weight:600}td.good{color:#1e7b34;font-weight:600}
.note{color:#555;font-size:13px}
footer{color:#666;font-size:12px;margin-top:24px;word-break:break-all}
</style>
</head>
<body><main>
<div class="banner {{.Verdict}}"><h1>{{.Headline}}</h1><p>{{.Reason}}</p></div>
{{with .Facts}}<div class="facts">{{range .}}<div class="fact">{{.Label}}<b>{{.Value}}</b></div>{{end}}</div>{{end}}
{{range .Sections}}<section>
<h2>{{.Title}}{{with .Badge}} <span class="badge {{.}}">{{.}}</span>{{end}}</h2>
{{with .Note}}<p class="note">{{.}}</p>{{end}}
{{with .Facts}}<div class="facts">{{range .}}<div class="fact">{{.Label}}<b>{{.Value}}</b></div>{{end}}</div>{{end}}
{{with .Charts}}<div class="charts">{{range .}}<div>{{.}}</div>{{end}}</div>{{end}}
{{range .Tables}}<table>{{with .Caption}}<caption>{{.}}</caption>{{end}}
<tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td{{with .Class}} class="{{.}}"{{end}}>{{.Text}}</td>{{end}}</tr>
{{end}}</table>{{end}}
{{with .List}}<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
</section>
{{end}}
<footer>{{range .Footer}}<div>{{.}}</div>{{end}}</footer>
</main></body></html>
`))

func (p *page) render(w io.Writer) error { return pageTemplate.Execute(w, p) }

// WriteFile renders into path through a temporary file in the same folder
// and a rename: a failed or interrupted render never leaves a partial page
// or truncates an earlier one.
func WriteFile(path string, render func(io.Writer) error) error {
	f, err := renameio.NewPendingFile(path, renameio.WithTempDir(filepath.Dir(path)), renameio.WithPermissions(0o644))
	if err != nil {
		return err
	}
	defer f.Cleanup()
	if err := render(f); err != nil {
		return err
	}
	return f.CloseAtomicallyReplace()
}
