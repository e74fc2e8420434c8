package htmlreport

import (
	"fmt"
	"io"
	"strings"

	"github.com/ginleak/ginleak/compare"
)

// Compare writes the page of a before/after table. failures are the gate's
// (nil when no gate ran); gated says whether a gate ran at all.
func Compare(w io.Writer, t *compare.Table, failures []compare.Failure, gated bool) error {
	p := &page{Title: "ginleak compare"}
	switch {
	case gated && len(failures) > 0:
		p.Verdict, p.Headline = "failed", "GATE FAILED"
		var why []string
		for _, f := range failures {
			why = append(why, f.Condition.Text+": "+f.Why)
		}
		p.Reason = strings.Join(why, "; ")
	case gated:
		p.Verdict, p.Headline, p.Reason = "passed", "GATE PASSED", "no condition of the gate is true"
	default:
		p.Verdict = string(t.After.Verdict)
		p.Headline = fmt.Sprintf("%s → %s", strings.ToUpper(string(t.Before.Verdict)), strings.ToUpper(string(t.After.Verdict)))
		p.Reason = t.After.Reason
	}
	failed := map[string][]string{}
	for _, f := range failures {
		failed[f.Condition.Field] = append(failed[f.Condition.Field], f.Condition.Text)
	}
	tab := table{Head: []string{"metric", "before", "after", "change", "", "gate"}}
	for _, r := range t.Rows {
		label := r.Label
		if r.Unit != "" {
			label += " (" + r.Unit + ")"
		}
		change := "—"
		if pct, ok := r.Change(); ok {
			change = fmt.Sprintf("%+.1f%%", pct)
		}
		tab.Rows = append(tab.Rows, []cellv{
			{label, ""}, {value(r.Before, r.HasBefore), "num"}, {value(r.After, r.HasAfter), "num"},
			{change, "num"}, {r.Outcome(), outcomeClass(r.Outcome())}, {strings.Join(failed[r.Field], ", "), "bad"},
		})
	}
	tab.Rows = append(tab.Rows, []cellv{{"verdict", ""}, {string(t.Before.Verdict), ""}, {string(t.After.Verdict), ""}, {"", ""},
		{t.VerdictOutcome(), outcomeClass(t.VerdictOutcome())}, {strings.Join(failed["verdict"], ", "), "bad"}})
	p.Sections = append(p.Sections,
		section{Title: "Before and after", Tables: []table{tab}},
		section{
			Title:  "Live heap and goroutines, both runs",
			Note:   "Each point is a checkpoint; the grey band is the warm-up.",
			Charts: signalCharts([]run{{"before", colorOther, t.Before}, {"after", colorRun, t.After}}, false),
		})
	for _, s := range siteSections(t.After) {
		s.Title += " (after)"
		p.Sections = append(p.Sections, s)
	}
	p.Footer = append([]string{"before: " + strings.Join(t.Before.Targets, ", ")}, "after: "+strings.Join(t.After.Targets, ", "))
	return p.render(w)
}

func value(v float64, ok bool) string {
	if !ok {
		return "missing"
	}
	switch {
	case v >= 1000 || v <= -1000:
		return group(int64(v))
	case v == 0:
		return "0"
	}
	return fmt.Sprintf("%.3g", v)
}

func outcomeClass(o string) string {
	switch o {
	case "better":
		return "good"
	case "worse":
		return "bad"
	}
	return ""
}
