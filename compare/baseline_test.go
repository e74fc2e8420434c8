package compare_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ginleak/ginleak/compare"
	"github.com/ginleak/ginleak/soak"
	"github.com/ginleak/ginleak/soak/stats"
)

func gate(t *testing.T, s string) compare.Gate {
	t.Helper()
	g, err := compare.ParseConditions(s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func TestBaselineKeepsAndRefuses(t *testing.T) {
	b, err := compare.OpenBaseline(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	g := gate(t, compare.DefaultBaselineGate)

	// First run: nothing to compare with; kept, relative rule skipped.
	j, err := b.Judge(report(nil), g)
	if err != nil {
		t.Fatal(err)
	}
	if j.Best != nil || j.Kept == "" || len(j.Failures) != 0 || len(j.Skipped) != 1 {
		t.Fatalf("first run: best %v kept %q failures %v skipped %v", j.Best, j.Kept, j.Failures, j.Skipped)
	}
	// Faster: passes and becomes the best.
	j, err = b.Judge(report(func(r *soak.Report) { r.ThroughputRPS = 1200 }), g)
	if err != nil || j.Kept == "" || j.Best.ThroughputRPS != 1000 {
		t.Fatalf("faster run: %+v, %v", j, err)
	}
	// 96% of the best (1200): passes, kept, best stays 1200.
	j, err = b.Judge(report(func(r *soak.Report) { r.ThroughputRPS = 1152 }), g)
	if err != nil || j.Kept == "" || j.Best.ThroughputRPS != 1200 {
		t.Fatalf("96%% run: %+v, %v", j, err)
	}
	// 94% of the best: refused and not kept.
	j, err = b.Judge(report(func(r *soak.Report) { r.ThroughputRPS = 1128 }), g)
	if err != nil || j.Kept != "" || len(j.Failures) != 1 || j.Failures[0].Condition.Field != "throughput" {
		t.Fatalf("94%% run: %+v, %v", j, err)
	}
	// A leak is refused however fast, and never becomes the best.
	j, err = b.Judge(report(func(r *soak.Report) { r.ThroughputRPS = 5000; r.Verdict = stats.Leak }), g)
	if err != nil || j.Kept != "" || len(j.Failures) != 1 || j.Failures[0].Condition.Field != "verdict" {
		t.Fatalf("leaking run: %+v, %v", j, err)
	}
	best, _, err := b.Best(compare.Identity(report(nil)))
	if err != nil || best == nil || best.ThroughputRPS != 1200 {
		t.Fatalf("best after all: %v, %v; want 1200", best, err)
	}
	// Another target has its own baseline.
	other := report(func(r *soak.Report) { r.Targets = []string{"GET http://127.0.0.1:8080/other"}; r.ThroughputRPS = 10 })
	if j, err := b.Judge(other, g); err != nil || j.Best != nil || j.Kept == "" {
		t.Fatalf("other target: %+v, %v", j, err)
	}
}

func TestBaselineSkipsDamagedRunsAndPrunes(t *testing.T) {
	dir := t.TempDir()
	b, err := compare.OpenBaseline(dir, compare.KeepRuns(3))
	if err != nil {
		t.Fatal(err)
	}
	best, err := b.Keep(report(func(r *soak.Report) { r.ThroughputRPS = 5000 }))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := b.Keep(report(func(r *soak.Report) { r.ThroughputRPS = float64(100 + i) })); err != nil {
			t.Fatal(err)
		}
	}
	// A damaged file (a disk that lost a write, a hand edit) is skipped with
	// a warning, not fatal.
	if err := os.WriteFile(filepath.Join(filepath.Dir(best), "run-99999999T999999.999999999Z-ffffffffffff.json"), []byte(`{"verd`), 0o644); err != nil {
		t.Fatal(err)
	}
	got, warnings, err := b.Best(compare.Identity(report(nil)))
	if err != nil || got == nil || got.ThroughputRPS != 5000 {
		t.Fatalf("best %v, err %v; want the 5000 run kept through pruning", got, err)
	}
	if len(warnings) != 1 {
		t.Errorf("warnings %v, want one for the damaged file", warnings)
	}
	runs, _ := filepath.Glob(filepath.Join(filepath.Dir(best), "run-*.json"))
	// 3 newest kept + the best + the damaged one added after the last prune.
	if len(runs) != 5 {
		t.Errorf("%d run files after pruning to 3, want 5: %v", len(runs), runs)
	}
	if _, err := compare.OpenBaseline(dir, compare.KeepRuns(0)); err == nil {
		t.Error("KeepRuns(0) accepted")
	}
}

func TestBaselineConcurrentWriters(t *testing.T) {
	b, err := compare.OpenBaseline(t.TempDir(), compare.KeepRuns(1000))
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := b.Keep(report(func(r *soak.Report) { r.ThroughputRPS = float64(w*100 + i + 1) })); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	best, warnings, err := b.Best(compare.Identity(report(nil)))
	if err != nil || len(warnings) != 0 {
		t.Fatalf("after concurrent writes: err %v, warnings %v", err, warnings)
	}
	if want := float64((writers-1)*100 + each); best.ThroughputRPS != want {
		t.Errorf("best %v, want %v", best.ThroughputRPS, want)
	}
	runs, _ := filepath.Glob(filepath.Join(filepath.Dir(mustKeep(t, b)), "run-*.json"))
	if len(runs) != writers*each+1 {
		t.Errorf("%d runs, want %d: a write was lost", len(runs), writers*each+1)
	}
}

func mustKeep(t *testing.T, b *compare.Baseline) string {
	t.Helper()
	p, err := b.Keep(report(nil))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// envWriter makes the test binary a baseline writer that loops until killed.
const envWriter = "GINLEAK_COMPARE_TEST_WRITER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(envWriter); dir != "" {
		b, err := compare.OpenBaseline(dir, compare.KeepRuns(5))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		// Large reports make each write take long enough to be killed
		// in the middle of one.
		big := report(func(r *soak.Report) { r.Samples = make([]soak.Sample, 20000) })
		for i := 0; i < 100000; i++ {
			big.ThroughputRPS = float64(i + 1)
			if _, err := b.Keep(big); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(2)
			}
			if i == 2 {
				fmt.Println("writing")
			}
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestBaselineWriteInterrupted(t *testing.T) {
	dir := t.TempDir()
	for trial := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), envWriter+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 8)
		_, _ = out.Read(buf) // "writing": a few runs are in
		time.Sleep(time.Duration(20+trial*15) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}
	b, err := compare.OpenBaseline(dir)
	if err != nil {
		t.Fatal(err)
	}
	best, warnings, err := b.Best(compare.Identity(report(nil)))
	if err != nil || len(warnings) != 0 || best == nil {
		t.Fatalf("after killed writers: best %v, warnings %v, err %v", best, warnings, err)
	}
	// Leftover temporary files are not runs and are never read as one.
	keyDir := filepath.Dir(mustKeep(t, b))
	entries, _ := os.ReadDir(keyDir)
	runs := 0
	for _, e := range entries {
		if name := e.Name(); strings.HasPrefix(name, "run-") {
			runs++
			if _, err := compare.Load(filepath.Join(keyDir, name)); err != nil {
				t.Errorf("run file %s is damaged: %v", name, err)
			}
		}
	}
	if runs < 4 {
		t.Errorf("%d runs kept, want at least 4", runs)
	}
}
