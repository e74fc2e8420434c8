package vet

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
)

// WriteText prints one line per finding: file:line:col: message (rule).
// Paths are made relative to base when they are below it.
func WriteText(w io.Writer, res *Result, base string) error {
	for _, f := range res.Findings {
		if _, err := fmt.Fprintf(w, "%s:%d:%d: %s (%s)\n", relPath(base, f.Posn.Filename), f.Posn.Line, f.Posn.Column, f.Message, f.Analyzer()); err != nil {
			return err
		}
	}
	return nil
}

// The JSON types mirror `go vet -json` so that tools reading it read ours.
type jsonTextEdit struct {
	Filename string `json:"filename"`
	Start    int    `json:"start"`
	End      int    `json:"end"`
	New      string `json:"new"`
}

type jsonSuggestedFix struct {
	Message string         `json:"message"`
	Edits   []jsonTextEdit `json:"edits"`
}

type jsonDiagnostic struct {
	Category       string             `json:"category,omitempty"`
	Posn           string             `json:"posn"`
	End            string             `json:"end"`
	Message        string             `json:"message"`
	SuggestedFixes []jsonSuggestedFix `json:"suggested_fixes,omitempty"`
}

// WriteJSON prints the findings as the JSON tree of `go vet -json`:
// package ID → analyzer name → diagnostics.
func WriteJSON(w io.Writer, res *Result) error {
	tree := map[string]map[string][]jsonDiagnostic{}
	for _, f := range res.Findings {
		byAnalyzer := tree[f.Package]
		if byAnalyzer == nil {
			byAnalyzer = map[string][]jsonDiagnostic{}
			tree[f.Package] = byAnalyzer
		}
		d := jsonDiagnostic{
			Category: f.Analyzer(),
			Posn:     f.Posn.String(),
			End:      cmp.Or(f.End, f.Posn).String(),
			Message:  f.Message,
		}
		for _, fix := range f.Fixes {
			jf := jsonSuggestedFix{Message: fix.Message, Edits: []jsonTextEdit{}}
			for _, e := range fix.TextEdits {
				start, end := f.fset.Position(e.Pos), f.fset.Position(cmp.Or(e.End, e.Pos))
				jf.Edits = append(jf.Edits, jsonTextEdit{Filename: start.Filename, Start: start.Offset, End: end.Offset, New: string(e.NewText)})
			}
			d.SuggestedFixes = append(d.SuggestedFixes, jf)
		}
		byAnalyzer[f.Analyzer()] = append(byAnalyzer[f.Analyzer()], d)
	}
	data, err := json.MarshalIndent(tree, "", "\t")
	if err != nil {
		return fmt.Errorf("encode findings: %w", err)
	}
	_, err = fmt.Fprintf(w, "%s\n", data)
	return err
}

func relPath(base, file string) string {
	if base == "" {
		return file
	}
	rel, err := filepath.Rel(base, file)
	if err != nil || filepath.IsAbs(rel) || len(rel) > 1 && rel[:2] == ".." {
		return file
	}
	return rel
}
