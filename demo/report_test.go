package demo_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ginleak/ginleak/demo"
	"github.com/ginleak/ginleak/examples/leakyshop/shop"
	"github.com/ginleak/ginleak/soak"
	"github.com/ginleak/ginleak/soak/stats"
)

func TestReportRoundTrip(t *testing.T) {
	res := &demo.Result{Cases: 2, Rows: []demo.Row{
		{Case: shop.Case{Name: "globalcache", Title: "map", Rule: "globalcache"},
			Leaky: &soak.Report{Verdict: stats.Leak}, Fixed: &soak.Report{Verdict: stats.Stable}, Caught: true, FixedOK: true},
		{Case: shop.Case{Name: "bodyrestore", Behavioural: true}, Caught: true, FixedOK: true},
	}}
	path := filepath.Join(t.TempDir(), "demo.json")
	if err := res.WriteReport(path); err != nil {
		t.Fatal(err)
	}
	rep, err := demo.ReadReport(path)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Kind != demo.ReportKind || len(rep.Cases) != 2 || rep.Cases[0].Leaky.Verdict != stats.Leak || rep.Cases[1].Leaky != nil {
		t.Errorf("round trip: %+v", rep)
	}
	// A soak report, or anything else, is not a demo report.
	soakJSON, _ := json.Marshal(&soak.Report{Verdict: stats.Stable})
	other := filepath.Join(t.TempDir(), "soak.json")
	os.WriteFile(other, soakJSON, 0o644)
	if _, err := demo.ReadReport(other); !errors.Is(err, demo.ErrNotDemoReport) {
		t.Errorf("soak report: %v, want ErrNotDemoReport", err)
	}
}
