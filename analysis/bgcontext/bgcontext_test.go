package bgcontext_test

import (
	"bytes"
	"go/format"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/ginleak/ginleak/analysis/bgcontext"
	"github.com/ginleak/ginleak/analysis/internal/ruletest"
)

func TestAnalyzer(t *testing.T) {
	ruletest.Run(t, bgcontext.Analyzer, "a", "nethttp", "seed", "odd")
}

func TestSuggestedFixes(t *testing.T) {
	results := ruletest.RunWithSuggestedFixes(t, bgcontext.Analyzer, "fix", "fiximport", "fixtwo")
	// analysistest removes unused imports after applying fixes; check that
	// the fixes' own edits already produce the golden files, as they must
	// for ginleak vet -fix, which only gofmts. fixtwo is the documented
	// exception.
	ownEdits(t, results, "fixtwo")
}

type edit struct {
	start, end int
	text       string
}

func ownEdits(t *testing.T, results []*analysistest.Result, skipPkg string) {
	t.Helper()
	perFile := map[string][]edit{}
	for _, res := range results {
		if res.Pass.Pkg.Name() == skipPkg {
			continue
		}
		for _, d := range res.Diagnostics {
			if len(d.SuggestedFixes) == 0 {
				continue
			}
			for _, e := range d.SuggestedFixes[0].TextEdits {
				start, end := res.Pass.Fset.Position(e.Pos), res.Pass.Fset.Position(e.End)
				ed := edit{start.Offset, end.Offset, string(e.NewText)}
				if !slices.Contains(perFile[start.Filename], ed) {
					perFile[start.Filename] = append(perFile[start.Filename], ed)
				}
			}
		}
	}
	if len(perFile) == 0 {
		t.Fatal("no fixes")
	}
	for file, edits := range perFile {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(edits, func(a, b edit) int { return a.start - b.start })
		var out bytes.Buffer
		last := 0
		for _, e := range edits {
			if e.start < last {
				t.Fatalf("%s: overlapping edits", file)
			}
			out.Write(src[last:e.start])
			out.WriteString(e.text)
			last = e.end
		}
		out.Write(src[last:])
		got, err := format.Source(out.Bytes())
		if err != nil {
			t.Errorf("%s: fixed source does not parse: %v\n%s", file, err, out.Bytes())
			continue
		}
		golden, err := os.ReadFile(file + ".golden")
		if err != nil {
			t.Fatal(err)
		}
		want, err := format.Source(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: own edits give\n%s\nwant\n%s", filepath.Base(file), got, want)
		}
	}
}
