package demo_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ginleak/ginleak/demo"
	"github.com/ginleak/ginleak/examples/leakyshop/shop"
	"github.com/ginleak/ginleak/htmlreport"
	"github.com/ginleak/ginleak/internal/browsertest"
	"github.com/ginleak/ginleak/soak/stats"
)

// TestLeakyshopPairs is the integration test of vet + soak: every leaky
// route of leakyshop must be flagged (static rule, soak verdict leak with
// the leaking function as the top site) and every fixed route must soak
// stable. It uses the quick soaks of `ginleak demo -quick`. The run's HTML
// page is then opened in headless Chromium, as `ginleak demo -html` writes it.
func TestLeakyshopPairs(t *testing.T) {
	if testing.Short() {
		t.Skip("starts leakyshop processes and soaks them")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	res, err := demo.Run(ctx, demo.Config{Root: "..", Quick: true, Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	cases := shop.Cases()
	if len(res.Rows) != len(cases) {
		t.Fatalf("%d rows for %d cases", len(res.Rows), len(cases))
	}
	for _, row := range res.Rows {
		c := row.Case
		t.Run(c.Name, func(t *testing.T) {
			if c.Rule != "" && len(row.Static) == 0 {
				t.Errorf("rule %s reported nothing in %s", c.Rule, c.File)
			}
			if c.Behavioural {
				if row.LeakyAnswer.ReceivedBytes != 0 || row.FixedAnswer.ReceivedBytes != len(c.Body) {
					t.Errorf("leaky received %d bytes, fixed %d of %d", row.LeakyAnswer.ReceivedBytes, row.FixedAnswer.ReceivedBytes, len(c.Body))
				}
				return
			}
			if row.Leaky.Verdict != stats.Leak {
				t.Errorf("leaky route: verdict %s (%s)", row.Leaky.Verdict, row.Leaky.Reason)
			}
			if site := demo.TopSite(row.Leaky, c.Signal); !strings.Contains(site, c.LeakyFunc) {
				t.Errorf("leaky route: top %s site %q, want one in %s", c.Signal, site, c.LeakyFunc)
			}
			if row.Fixed.Verdict != stats.Stable {
				t.Errorf("fixed route: verdict %s (%s)", row.Fixed.Verdict, row.Fixed.Reason)
			}
		})
	}
	// The slow-clients row: the bare server of leakyshop -bare-addr holds
	// them (a finding, and vet's servertimeout on that line), guard.NewServer
	// closes them.
	if sr := res.SlowClients; sr == nil || !sr.Caught || !sr.FixedOK || !strings.HasPrefix(sr.Static, "servertimeout main.go:") {
		t.Errorf("slow clients: %+v; want held by the bare server, closed by guard.NewServer, reported by servertimeout", sr)
	}
	var table bytes.Buffer
	res.WriteTable(&table)
	if !strings.Contains(table.String(), "slowclients") || !strings.Contains(table.String(), "CLOSED 50 of 50") {
		t.Errorf("table lacks the slow-clients row:\n%s", table.String())
	}
	if !res.OK() {
		var b bytes.Buffer
		res.WriteTable(&b)
		t.Errorf("demo not OK:\n%s", b.String())
	}

	page := filepath.Join(t.TempDir(), "demo.html")
	if err := htmlreport.WriteFile(page, func(w io.Writer) error { return htmlreport.Demo(w, res) }); err != nil {
		t.Fatal(err)
	}
	want := browsertest.Want{Texts: []string{"OK", fmt.Sprintf("all %d leaks caught", len(res.Rows)), "slow clients", "guard.NewServer"},
		MaxBytes: 500 << 10, Colors: []string{"#b3261e", "#1e7b34"}}
	for _, row := range res.Rows {
		want.Texts = append(want.Texts, row.Case.Title)
		if row.Leaky != nil {
			want.Charts += 2
			if len(row.Leaky.HeapSites) > 0 {
				want.Texts = append(want.Texts, row.Leaky.HeapSites[0].Function)
			}
			if len(row.Leaky.GoroutineSites) > 0 {
				want.Texts = append(want.Texts, row.Leaky.GoroutineSites[0].Function)
			}
		}
	}
	browsertest.Check(t, page, want)
}

func TestFindRoot(t *testing.T) {
	if _, err := demo.FindRoot(".."); err != nil {
		t.Fatalf("from the checkout: %v", err)
	}
	_, err := demo.FindRoot(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "checkout of "+demo.ModulePath) {
		t.Fatalf("outside a checkout: err = %v, want advice to run inside a checkout", err)
	}
}
