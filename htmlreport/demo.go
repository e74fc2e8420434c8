package htmlreport

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/ginleak/ginleak/demo"
	"github.com/ginleak/ginleak/soak/slowclient"
	"github.com/ginleak/ginleak/soak/stats"
)

// Demo writes the page of a demo run: one section per case with its static
// finding, both verdicts and the charts of the leaky and the fixed route.
func Demo(w io.Writer, res *demo.Result) error {
	p := &page{Title: "ginleak demo"}
	caught := 0
	for _, r := range res.Rows {
		if r.Caught && r.FixedOK {
			caught++
		}
	}
	switch {
	case res.OK():
		p.Verdict, p.Headline = "passed", "OK"
		p.Reason = fmt.Sprintf("all %d leaks caught, all fixes stable", len(res.Rows))
	case res.Interrupted:
		p.Verdict, p.Headline = "inconclusive", "INTERRUPTED"
		p.Reason = fmt.Sprintf("%d of %d cases ran", len(res.Rows), res.Cases)
	default:
		p.Verdict, p.Headline = "failed", "NOT OK"
		p.Reason = fmt.Sprintf("%d of %d cases caught with a stable fix", caught, res.Cases)
	}
	for _, r := range res.Rows {
		s := section{Title: fmt.Sprintf("%s — %s", r.Case.Name, r.Case.Title), Note: r.Case.Note}
		switch {
		case r.Caught && r.FixedOK:
			s.Badge = "passed"
		default:
			s.Badge = "failed"
			s.List = append(s.List, r.Why)
		}
		s.Facts = append(s.Facts, fact{"static rule", staticText(r)})
		if r.Case.Behavioural {
			s.Facts = append(s.Facts,
				fact{"leaky route", fmt.Sprintf("HTTP %d, %d B received", r.LeakyAnswer.Status, r.LeakyAnswer.ReceivedBytes)},
				fact{"fixed route", fmt.Sprintf("HTTP %d, %d B received", r.FixedAnswer.Status, r.FixedAnswer.ReceivedBytes)})
		}
		if r.Leaky != nil && r.Fixed != nil {
			s.Facts = append(s.Facts,
				fact{"leaky " + r.Case.LeakyPath, verdictText(r.Leaky.Verdict, r.Leaky.Heap.BytesPerRequest, r.Leaky.Goroutines.PerRequest)},
				fact{"fixed " + r.Case.FixedPath, verdictText(r.Fixed.Verdict, r.Fixed.Heap.BytesPerRequest, r.Fixed.Goroutines.PerRequest)})
			s.Charts = signalCharts([]run{{"leaky", "#b3261e", r.Leaky}, {"fixed", "#1e7b34", r.Fixed}}, false)
			for _, site := range siteSections(r.Leaky) {
				site.Tables[0].Caption = site.Title + " (leaky route)"
				s.Tables = append(s.Tables, site.Tables...)
			}
		}
		p.Sections = append(p.Sections, s)
	}
	if sc := res.SlowClients; sc != nil {
		s := section{Title: "slow clients — a server without ReadHeaderTimeout holds them forever",
			Note: "Connections that send a request line and then one header byte a second, never finishing their headers: a bare http.Server (like gin's r.Run) against guard.NewServer (ReadHeaderTimeout 5 s)."}
		s.Badge = "passed"
		if !sc.Caught || !sc.FixedOK {
			s.Badge = "failed"
			s.List = append(s.List, sc.Why)
		}
		if sc.Static != "" {
			s.Facts = append(s.Facts, fact{"static rule", sc.Static})
		}
		t := table{Head: []string{"server", "opened", "closed by the server", "open at the end", "closed after (p50 / max)", "held ≥ limit"}}
		for _, r := range []struct {
			name string
			res  slowclient.Result
		}{{"bare http.Server", sc.Bare}, {"guard.NewServer", sc.Guarded}} {
			t.Rows = append(t.Rows, []cellv{{r.name, ""}, {fmt.Sprint(r.res.Opened), "num"}, {fmt.Sprint(r.res.ClosedByTarget), "num"},
				{fmt.Sprint(r.res.OpenAtEnd), "num"}, {fmt.Sprintf("%.1f s / %.1f s", r.res.CloseAfterS.P50, r.res.CloseAfterS.Max), "num"},
				{fmt.Sprintf("%d (limit %.0f s)", r.res.Held, r.res.HoldLimitS), "num"}})
		}
		s.Tables = append(s.Tables, t)
		p.Sections = append(p.Sections, s)
	}
	p.Footer = []string{"examples/leakyshop: each leak of the seed document beside its fix"}
	return p.render(w)
}

func staticText(r demo.Row) string {
	if r.Case.Rule == "" {
		return "(no rule covers it)"
	}
	if len(r.Static) == 0 {
		return r.Case.Rule + ": missed"
	}
	f := r.Static[0]
	return fmt.Sprintf("%s at %s:%d — %s", r.Case.Rule, filepath.Base(f.Posn.Filename), f.Posn.Line, firstSentence(f.Message))
}

func firstSentence(s string) string {
	if i := strings.IndexAny(s, ":—"); i > 20 {
		return s[:i]
	}
	return s
}

func verdictText(v stats.Verdict, bpr, gpr float64) string {
	return fmt.Sprintf("%s: %s B/request, %s goroutines per 1,000", v, signed(bpr), signed(1000*gpr))
}
