package ruletest

import (
	"bytes"
	"go/format"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/analysistest"
)

// edit is a text edit by byte offsets.
type edit struct {
	start, end int
	text       string
}

// apply applies edits, sorted and not overlapping, to src.
func apply(src []byte, edits []edit) ([]byte, bool) {
	slices.SortStableFunc(edits, func(a, b edit) int { return a.start - b.start })
	var out bytes.Buffer
	last := 0
	for _, e := range edits {
		if e.start < last || e.end < e.start || e.end > len(src) {
			return nil, false
		}
		out.Write(src[last:e.start])
		out.WriteString(e.text)
		last = e.end
	}
	out.Write(src[last:])
	return out.Bytes(), true
}

// ApplyEdits returns src, parsed as tf, with edits applied as they are,
// without formatting: for unit tests of the exact text a fix inserts.
func ApplyEdits(t testing.TB, tf *token.File, src string, edits []analysis.TextEdit) string {
	t.Helper()
	var es []edit
	for _, e := range edits {
		end := e.End
		if !end.IsValid() {
			end = e.Pos
		}
		es = append(es, edit{tf.Offset(e.Pos), tf.Offset(end), string(e.NewText)})
	}
	out, ok := apply([]byte(src), es)
	if !ok {
		t.Fatalf("overlapping or invalid edits %v", edits)
	}
	return string(out)
}

// OwnEdits checks that the first suggested fix of each diagnostic in
// results, applied once each (identical edits merged) and gofmt'ed as
// ginleak vet -fix does, gives the .golden files. analysistest itself also
// removes unused imports after applying fixes, which vet -fix does not.
// Packages named in skip are left out.
func OwnEdits(t *testing.T, results []*analysistest.Result, skip ...string) {
	t.Helper()
	perFile := map[string][]edit{}
	for _, res := range results {
		if slices.Contains(skip, res.Pass.Pkg.Name()) {
			continue
		}
		for _, d := range res.Diagnostics {
			if len(d.SuggestedFixes) == 0 {
				continue
			}
			for _, e := range d.SuggestedFixes[0].TextEdits {
				end := e.End
				if !end.IsValid() {
					end = e.Pos
				}
				start := res.Pass.Fset.Position(e.Pos)
				ed := edit{start.Offset, res.Pass.Fset.Position(end).Offset, string(e.NewText)}
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
		out, ok := apply(src, edits)
		if !ok {
			t.Fatalf("%s: overlapping edits", file)
		}
		got, err := format.Source(out)
		if err != nil {
			t.Errorf("%s: fixed source does not parse: %v\n%s", file, err, out)
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
