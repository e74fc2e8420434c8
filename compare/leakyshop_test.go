package compare_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ginleak/ginleak/compare"
	"github.com/ginleak/ginleak/examples/leakyshop/shop"
	"github.com/ginleak/ginleak/ginleaktest"
	"github.com/ginleak/ginleak/soak"
	"github.com/ginleak/ginleak/soak/stats"
)

// TestLeakyshopBeforeAfter compares two real soaks: leakyshop's leaky
// product view (a package-level map per session) as "before" and its fixed
// twin (a bounded cache) as "after".
func TestLeakyshopBeforeAfter(t *testing.T) {
	if testing.Short() {
		t.Skip("soaks leakyshop twice")
	}
	s, err := shop.New(shop.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	soakRoute := func(path string) *soak.Report {
		var rep *soak.Report
		opts := []ginleaktest.Option{
			ginleaktest.Request("GET", path, nil, nil),
			ginleaktest.Requests(6000),
			ginleaktest.Report(func(r *soak.Report) { rep = r }),
		}
		if strings.HasPrefix(path, "/leaky/") {
			ginleaktest.Leaks(t, s.Router(), opts...)
		} else {
			ginleaktest.NoLeak(t, s.Router(), opts...)
		}
		if rep == nil {
			t.Fatalf("no report for %s", path)
		}
		return rep
	}
	before := soakRoute("/leaky/products/p-1001?session={{uuid}}")
	after := soakRoute("/fixed/products/p-1001?session={{uuid}}")
	if before.Verdict != stats.Leak {
		t.Fatalf("before: verdict %s, want leak", before.Verdict)
	}

	// Different routes, different test servers: New refuses without Force.
	if _, err := compare.New(before, after); err == nil {
		t.Fatal("reports of two different targets compared without Force")
	}
	tab, err := compare.New(before, after, compare.Force())
	if err != nil {
		t.Fatal(err)
	}
	heap := row(t, tab, "heap_per_request")
	if !heap.HasBefore || !heap.HasAfter || heap.Outcome() != "better" {
		t.Errorf("heap row %+v: want both values and better", heap)
	}
	if tab.VerdictOutcome() != "better" {
		t.Errorf("verdict %s -> %s: want better", before.Verdict, after.Verdict)
	}
	var out bytes.Buffer
	if err := tab.WriteText(&out, nil); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", out.String())
	for _, tt := range []struct {
		cond string
		fail bool
	}{
		{"verdict=leak", false},
		{"heap_per_request>64B", after.Heap.BytesPerRequest > 64},
		{"heap_per_request>64B,verdict=leak", after.Heap.BytesPerRequest > 64},
	} {
		g, err := compare.ParseConditions(tt.cond)
		if err != nil {
			t.Fatal(err)
		}
		fails, err := compare.Gate(g).Check(tab)
		if err != nil {
			t.Fatal(err)
		}
		if (len(fails) > 0) != tt.fail {
			t.Errorf("%s: failures %v, want fail=%v", tt.cond, fails, tt.fail)
		}
	}
	// The swap is a regression: the leak comes back.
	back, err := compare.New(after, before, compare.Force())
	if err != nil {
		t.Fatal(err)
	}
	g, _ := compare.ParseConditions("verdict=leak")
	if fails, _ := compare.Gate(g).Check(back); len(fails) != 1 {
		t.Errorf("the regression passed verdict=leak")
	}
}
