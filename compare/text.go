package compare

import (
	"fmt"
	"github.com/ginleak/ginleak/internal/textfmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteText writes the table for a terminal, marking the rows of failures.
func (t *Table) WriteText(w io.Writer, failures []Failure) error {
	failed := map[string][]string{}
	for _, f := range failures {
		failed[f.Condition.Field] = append(failed[f.Condition.Field], f.Condition.Text)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "metric\tbefore\tafter\tchange\t\n")
	for _, r := range t.Rows {
		label := r.Label
		if r.Unit != "" && r.Unit != "%" {
			label += " (" + r.Unit + ")"
		} else if r.Unit == "%" {
			label += " (%)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", label, cell(r.Before, r.HasBefore), cell(r.After, r.HasAfter),
			changeCell(r), mark(r.Outcome(), arrow(r), failed[r.Field]))
	}
	fmt.Fprintf(tw, "verdict\t%s\t%s\t\t%s\n", t.Before.Verdict, t.After.Verdict, mark(t.VerdictOutcome(), "", failed["verdict"]))
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(failures) > 0 {
		fmt.Fprintf(w, "\nGATE FAILED:\n")
		for _, f := range failures {
			fmt.Fprintf(w, "  %s: %s\n", f.Condition.Text, f.Why)
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

func cell(v float64, ok bool) string {
	if !ok {
		return "missing"
	}
	return formatValue(v)
}

func changeCell(r Row) string {
	pct, ok := r.Change()
	if !ok {
		if r.HasBefore && r.HasAfter && r.Before == 0 && r.After == 0 {
			return "0%"
		}
		return "—"
	}
	return fmt.Sprintf("%+.1f%%", pct)
}

func arrow(r Row) string {
	switch {
	case !r.HasBefore || !r.HasAfter || r.After == r.Before:
		return ""
	case r.After > r.Before:
		return "↑"
	}
	return "↓"
}

func mark(outcome, arrow string, failed []string) string {
	s := strings.TrimSpace(outcome + " " + arrow)
	if len(failed) > 0 {
		s += "  ✗ " + strings.Join(failed, ", ")
	}
	return s
}

// formatValue renders v in unit with precision that suits its size.
func formatValue(v float64) string {
	var s string
	switch a := math.Abs(v); {
	case a >= 1000:
		s = textfmt.Group(int64(math.Round(v)))
	case a >= 100:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1 || a == 0:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	default:
		s = strconv.FormatFloat(v, 'g', 3, 64)
	}
	return s
}

// withUnit renders v followed by its unit.
func withUnit(v float64, unit string) string {
	switch unit {
	case "":
		return formatValue(v)
	case "%":
		return formatValue(v) + "%"
	}
	return formatValue(v) + " " + unit
}
