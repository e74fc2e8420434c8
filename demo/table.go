package demo

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/ginleak/ginleak/soak"
)

// WriteTable prints the result as one table and a closing line.
func (r *Result) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CASE\tSTATIC FINDING\tLEAKY ROUTE\tB/REQ\tGOROUTINES/REQ\tTOP SITE\tFIXED ROUTE")
	for _, row := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
			row.Case.Name, static(row), leakyVerdict(row), bytesPerReq(row.Leaky), goroutinesPerReq(row.Leaky),
			shortFunc(topSite(row.Leaky, row.Case.Signal)), fixedVerdict(row))
	}
	if sr := r.SlowClients; sr != nil {
		fmt.Fprintf(tw, "slowclients\t%s\t%s\t-\t-\t-\t%s\n", orNone(sr.Static), slowBare(sr), slowGuarded(sr))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var misses []string
	for _, row := range r.Rows {
		if row.Why != "" {
			misses = append(misses, fmt.Sprintf("  %s: %s", row.Case.Name, row.Why))
		}
	}
	if sr := r.SlowClients; sr != nil && sr.Why != "" {
		misses = append(misses, "  slowclients: "+sr.Why)
	}
	if r.Interrupted {
		_, err := fmt.Fprintf(w, "\nINTERRUPTED: %d of %d cases ran.\n", len(r.Rows), r.Cases)
		return err
	}
	if r.OK() {
		_, err := fmt.Fprintf(w, "\nOK: all %d leaks caught, all fixes stable; slow clients held by the bare server, closed by guard.NewServer.\n", len(r.Rows))
		return err
	}
	_, err := fmt.Fprintf(w, "\nNOT OK:\n%s\n", strings.Join(misses, "\n"))
	return err
}

func static(row Row) string {
	if row.Case.Rule == "" {
		return "(no rule)"
	}
	if len(row.Static) == 0 {
		return row.Case.Rule + ": MISSED"
	}
	f := row.Static[0]
	return fmt.Sprintf("%s %s:%d", row.Case.Rule, filepath.Base(f.Posn.Filename), f.Posn.Line)
}

func leakyVerdict(row Row) string {
	if row.Case.Behavioural {
		if row.LeakyAnswer.ReceivedBytes != 0 {
			return fmt.Sprintf("body arrived (HTTP %d, %d B received)", row.LeakyAnswer.Status, row.LeakyAnswer.ReceivedBytes)
		}
		return fmt.Sprintf("body lost (HTTP %d, %d B received)", row.LeakyAnswer.Status, row.LeakyAnswer.ReceivedBytes)
	}
	return strings.ToUpper(verdictOf(row.Leaky))
}

func fixedVerdict(row Row) string {
	if row.Case.Behavioural {
		if !row.FixedOK {
			return fmt.Sprintf("BROKEN (HTTP %d, %d of %d B received)", row.FixedAnswer.Status, row.FixedAnswer.ReceivedBytes, len(row.Case.Body))
		}
		return fmt.Sprintf("body kept (HTTP %d, %d B received)", row.FixedAnswer.Status, row.FixedAnswer.ReceivedBytes)
	}
	return strings.ToUpper(verdictOf(row.Fixed))
}

func bytesPerReq(r *soak.Report) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.0f", r.Heap.BytesPerRequest)
}

func goroutinesPerReq(r *soak.Report) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f", r.Goroutines.PerRequest)
}

// shortFunc trims the import path from a profile function name.
func shortFunc(fn string) string {
	if fn == "" {
		return "-"
	}
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		fn = fn[i+1:]
	}
	return fn
}

// slowBare and slowGuarded describe the slow-clients check's two servers.
func slowBare(sr *SlowRow) string {
	b := sr.Bare
	if sr.Caught {
		return fmt.Sprintf("HELD %d of %d for %.0f s (bare http.Server)", b.Held, b.Opened, b.HoldLimitS)
	}
	return fmt.Sprintf("not held: %d of %d closed (bare http.Server)", b.ClosedByTarget, b.Opened)
}

func slowGuarded(sr *SlowRow) string {
	g := sr.Guarded
	if sr.FixedOK {
		return fmt.Sprintf("CLOSED %d of %d after %.1f s (guard.NewServer)", g.ClosedByTarget, g.Opened, g.CloseAfterS.Max)
	}
	return fmt.Sprintf("HELD %d of %d (guard.NewServer)", g.Held, g.Opened)
}
