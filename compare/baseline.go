package compare

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/renameio/v2"

	"github.com/ginleak/ginleak/soak"
	"github.com/ginleak/ginleak/soak/stats"
)

// DefaultKeep is how many runs a baseline keeps per target and load model
// (the best one is always kept as well).
const DefaultKeep = 50

// maxRunsRead bounds how many kept runs Best reads, newest first, so that a
// directory that grew without pruning cannot make a gate slow.
const maxRunsRead = 1000

// Baseline is a directory of passing runs, one subdirectory per target and
// load model. Every run is its own file, written to a temporary file and
// renamed into place, so concurrent gates never overwrite each other and an
// interrupted write leaves no partial run behind.
type Baseline struct {
	dir  string
	keep int
}

// BaselineOption configures OpenBaseline.
type BaselineOption func(*Baseline)

// KeepRuns sets how many runs are kept per target (default DefaultKeep).
func KeepRuns(n int) BaselineOption { return func(b *Baseline) { b.keep = n } }

// OpenBaseline opens (and creates) the baseline directory dir.
func OpenBaseline(dir string, opts ...BaselineOption) (*Baseline, error) {
	b := &Baseline{dir: dir, keep: DefaultKeep}
	for _, opt := range opts {
		opt(b)
	}
	if b.keep < 1 {
		return nil, fmt.Errorf("baseline: keep %d runs: must be at least 1", b.keep)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("baseline %s: %w", dir, err)
	}
	return b, nil
}

// keyDir is the subdirectory of k: a hash, since targets are URLs.
func (b *Baseline) keyDir(k Key) string {
	data, _ := json.Marshal(k) // a Key always marshals
	sum := sha256.Sum256(data)
	return filepath.Join(b.dir, hex.EncodeToString(sum[:8]))
}

// Best returns the best kept run for k — the highest throughput among runs
// whose verdict was not leak — or nil when there is none. warnings name kept
// files that could not be read; they are skipped, not fatal, so one damaged
// file cannot block every release.
func (b *Baseline) Best(k Key) (best *soak.Report, warnings []string, err error) {
	runs, err := b.runs(k)
	if err != nil {
		return nil, nil, err
	}
	if len(runs) > maxRunsRead {
		runs = runs[len(runs)-maxRunsRead:]
	}
	for _, path := range runs {
		rep, err := Load(path)
		if err != nil {
			warnings = append(warnings, fmt.Sprintf("skipped %v", err))
			continue
		}
		if rep.Verdict == stats.Leak || Identity(rep).diff(k) != "" {
			continue
		}
		if best == nil || rep.ThroughputRPS > best.ThroughputRPS {
			best = rep
		}
	}
	return best, warnings, nil
}

// runs lists the run files of k, oldest first (names sort by time).
func (b *Baseline) runs(k Key) ([]string, error) {
	entries, err := os.ReadDir(b.keyDir(k))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	var out []string
	for _, e := range entries {
		if name := e.Name(); e.Type().IsRegular() && strings.HasPrefix(name, "run-") && strings.HasSuffix(name, ".json") {
			out = append(out, filepath.Join(b.keyDir(k), name))
		}
	}
	slices.Sort(out)
	return out, nil
}

// Keep stores rep as a run of its target and returns the file written. It
// then prunes the oldest runs beyond the keep count, never the best.
func (b *Baseline) Keep(rep *soak.Report) (string, error) {
	k := Identity(rep)
	dir := b.keyDir(k)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("baseline: %w", err)
	}
	// key.json says, for people, what the hashed directory holds.
	keyFile := filepath.Join(dir, "key.json")
	if _, err := os.Stat(keyFile); errors.Is(err, os.ErrNotExist) {
		data, _ := json.MarshalIndent(k, "", "  ")
		if err := writeFile(keyFile, append(data, '\n')); err != nil {
			return "", fmt.Errorf("baseline: %w", err)
		}
	}
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return "", fmt.Errorf("baseline: encode report: %w", err)
	}
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("run-%s-%s.json", time.Now().UTC().Format("20060102T150405.000000000Z"), hex.EncodeToString(rnd[:]))
	path := filepath.Join(dir, name)
	if err := writeFile(path, append(data, '\n')); err != nil {
		return "", fmt.Errorf("baseline: %w", err)
	}
	b.prune(k)
	return path, nil
}

// prune removes the oldest runs beyond the keep count, sparing the best.
// Errors are ignored: a concurrent gate may have pruned the same file.
func (b *Baseline) prune(k Key) {
	runs, err := b.runs(k)
	if err != nil || len(runs) <= b.keep {
		return
	}
	best, bestTP := "", -1.0
	for _, path := range runs {
		if rep, err := Load(path); err == nil && rep.Verdict != stats.Leak && rep.ThroughputRPS > bestTP {
			best, bestTP = path, rep.ThroughputRPS
		}
	}
	for _, path := range runs[:len(runs)-b.keep] {
		if path != best {
			_ = os.Remove(path)
		}
	}
}

// Judgement is the outcome of gating one run against a baseline.
type Judgement struct {
	// Best is the baseline run compared with; nil for the first run.
	Best *soak.Report
	// Table is Best against the run; nil for the first run.
	Table    *Table
	Failures []Failure
	// Skipped are relative conditions that had no baseline to compare
	// with (the first run).
	Skipped []Condition
	// Kept is the file the run was stored in, "" when it failed the gate.
	Kept     string
	Warnings []string
}

// Judge gates after against the best kept run of its target and, when it
// passes, keeps it. With no kept run yet, relative conditions are skipped
// and the rest are checked on after alone.
func (b *Baseline) Judge(after *soak.Report, gate Gate) (*Judgement, error) {
	best, warnings, err := b.Best(Identity(after))
	if err != nil {
		return nil, err
	}
	j := &Judgement{Best: best, Warnings: warnings}
	var t *Table
	if best != nil {
		if t, err = New(best, after); err != nil {
			return nil, err
		}
		j.Table = t
	} else {
		t = afterOnly(after)
		var absolute Gate
		for _, c := range gate {
			if c.Relative {
				j.Skipped = append(j.Skipped, c)
			} else {
				absolute = append(absolute, c)
			}
		}
		gate = absolute
	}
	if j.Failures, err = gate.Check(t); err != nil {
		return nil, err
	}
	if len(j.Failures) == 0 {
		if j.Kept, err = b.Keep(after); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// afterOnly is a table with no before column, for checking absolute
// conditions on a first run.
func afterOnly(after *soak.Report) *Table {
	t := &Table{After: after}
	for _, m := range Metrics {
		a, ha := m.Value(after)
		t.Rows = append(t.Rows, Row{Metric: m, After: a, HasAfter: ha})
	}
	return t
}

// writeFile writes data to path through a temporary file in the same
// directory and a rename: readers see the whole file or none of it.
func writeFile(path string, data []byte) error {
	return renameio.WriteFile(path, data, 0o644, renameio.WithTempDir(filepath.Dir(path)))
}
