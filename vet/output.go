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

// WriteBroken lists the packages that could not be checked, one a line
// under a heading that says what the exit code means; paths are made
// relative to base like WriteText's.
func WriteBroken(w io.Writer, res *Result, base string) error {
	if len(res.Broken) == 0 {
		return nil
	}
	n := len(res.Broken)
	if _, err := fmt.Fprintf(w, "ginleak vet: %d %s could not be checked, so %s no findings; %d %s checked:\n",
		n, plural(n, "package", "packages"), plural(n, "it has", "they have"), res.Packages, plural(res.Packages, "package was", "packages were")); err != nil {
		return err
	}
	for _, b := range res.Broken {
		line := b.Package + ": "
		if b.Posn != "" {
			line += relPath(base, b.Posn) + ": "
		}
		if _, err := fmt.Fprintf(w, "\t%s%s\n", line, b.Msg); err != nil {
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

// jsonError is go vet's form for an analysis that could not run.
type jsonError struct {
	Err string `json:"error"`
}

// BrokenKey is the analyzer key under which -json reports a package that
// could not be checked: {"pkg": {"typecheck": {"error": "..."}}}, the name
// golangci-lint gives load errors.
const BrokenKey = "typecheck"

// WriteJSON prints the findings as the JSON tree of `go vet -json`:
// package ID → analyzer name → diagnostics, or {"error": ...} under
// BrokenKey for a package that could not be checked.
func WriteJSON(w io.Writer, res *Result) error {
	tree := map[string]map[string]any{}
	diags := map[string]map[string][]jsonDiagnostic{}
	for _, b := range res.Broken {
		msg := b.Msg
		if b.Posn != "" {
			msg = b.Posn + ": " + msg
		}
		tree[b.ID] = map[string]any{BrokenKey: jsonError{msg}}
	}
	for _, f := range res.Findings {
		byAnalyzer := diags[f.Package]
		if byAnalyzer == nil {
			byAnalyzer = map[string][]jsonDiagnostic{}
			diags[f.Package] = byAnalyzer
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
	for pkg, byAnalyzer := range diags {
		if tree[pkg] == nil {
			tree[pkg] = map[string]any{}
		}
		for name, list := range byAnalyzer {
			tree[pkg][name] = list
		}
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
