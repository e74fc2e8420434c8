package clienttimeout_test

import (
	"bytes"
	"go/format"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"
	"golang.org/x/tools/txtar"

	"github.com/ginleak/ginleak/analysis/clienttimeout"
	"github.com/ginleak/ginleak/analysis/internal/ruletest"
)

func TestAnalyzer(t *testing.T) {
	ruletest.Run(t, clienttimeout.Analyzer, "a", "nethttp", "seed", "odd", "nohttp", "transfer")
}

// timeoutFix is the message of the first fix, the one ginleak vet -fix
// applies; the golden files have a section for it and one for the
// Transport fix an editor may offer instead.
const timeoutFix = "Set Timeout: 10 * time.Second"

func TestSuggestedFixes(t *testing.T) {
	// analysistest checks each fix message's section of the golden files.
	results := ruletest.RunWithSuggestedFixes(t, clienttimeout.Analyzer, "fix", "fiximport", "fixlone", "fixnames")
	// The first fix's own edits, applied once each (identical imports
	// merged) and gofmt'ed as ginleak vet -fix does, must give the
	// Timeout section.
	firstFixEdits(t, results)
}

// firstFixEdits is ruletest.OwnEdits for golden files in txtar form: it
// compares with the section named after the first fix.
func firstFixEdits(t *testing.T, results []*analysistest.Result) {
	t.Helper()
	type fileEdits struct {
		res   *analysistest.Result
		edits []analysis.TextEdit
	}
	perFile := map[string]*fileEdits{}
	for _, res := range results {
		for _, d := range res.Diagnostics {
			if len(d.SuggestedFixes) == 0 {
				continue
			}
			if got := d.SuggestedFixes[0].Message; got != timeoutFix {
				t.Errorf("%s: first fix is %q, want %q", res.Pass.Fset.Position(d.Pos), got, timeoutFix)
			}
			for _, e := range d.SuggestedFixes[0].TextEdits {
				name := res.Pass.Fset.Position(e.Pos).Filename
				fe := perFile[name]
				if fe == nil {
					fe = &fileEdits{res: res}
					perFile[name] = fe
				}
				if !slices.ContainsFunc(fe.edits, func(x analysis.TextEdit) bool {
					return x.Pos == e.Pos && x.End == e.End && bytes.Equal(x.NewText, e.NewText)
				}) {
					fe.edits = append(fe.edits, e)
				}
			}
		}
	}
	if len(perFile) == 0 {
		t.Fatal("no fixes")
	}
	for name, fe := range perFile {
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		tf := fe.res.Pass.Fset.File(fe.edits[0].Pos)
		got, err := format.Source([]byte(ruletest.ApplyEdits(t, tf, string(src), fe.edits)))
		if err != nil {
			t.Errorf("%s: fixed source does not parse: %v", name, err)
			continue
		}
		ar, err := txtar.ParseFile(name + ".golden")
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(ar.Files, func(f txtar.File) bool { return f.Name == timeoutFix })
		if i < 0 {
			t.Errorf("%s.golden: no section %q", filepath.Base(name), timeoutFix)
			continue
		}
		want, err := format.Source(ar.Files[i].Data)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: first fix gives\n%s\nwant\n%s", filepath.Base(name), got, want)
		}
	}
}
