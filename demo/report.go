package demo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"

	"github.com/ginleak/ginleak/soak"
)

// ReportKind marks a demo report's JSON, so that tools tell it from a soak
// report.
const ReportKind = "ginleak-demo"

// maxReportBytes bounds a demo report read back: six cases of soak reports
// are a few megabytes at most.
const maxReportBytes = 64 << 20

// Report is the JSON form of a demo run (`ginleak demo -json`): each case's
// leaky and fixed soak reports, the before and after of its fix.
type Report struct {
	Kind  string       `json:"kind"`
	OK    bool         `json:"ok"`
	Cases []ReportCase `json:"cases"`
}

// ReportCase is one case of a Report.
type ReportCase struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Rule  string `json:"rule,omitempty"`
	// Static is where the case's vet rule reported the leaky code.
	Static string `json:"static,omitempty"`
	// Leaky and Fixed are absent for behavioural cases.
	Leaky *soak.Report `json:"leaky,omitempty"`
	Fixed *soak.Report `json:"fixed,omitempty"`
}

// Report returns r in its JSON form.
func (r *Result) Report() *Report {
	out := &Report{Kind: ReportKind, OK: r.OK(), Cases: []ReportCase{}}
	for _, row := range r.Rows {
		c := ReportCase{Name: row.Case.Name, Title: row.Case.Title, Rule: row.Case.Rule, Leaky: row.Leaky, Fixed: row.Fixed}
		if len(row.Static) > 0 {
			f := row.Static[0]
			c.Static = fmt.Sprintf("%s:%d", filepath.Base(f.Posn.Filename), f.Posn.Line)
		}
		out.Cases = append(out.Cases, c)
	}
	return out
}

// WriteReport writes r's JSON form to path, through a temporary file in
// the same folder and a rename.
func (r *Result) WriteReport(path string) error {
	data, err := json.MarshalIndent(r.Report(), "", "  ")
	if err != nil {
		return err
	}
	return renameio.WriteFile(path, append(data, '\n'), 0o644, renameio.WithTempDir(filepath.Dir(path)))
}

// ErrNotDemoReport is returned by ReadReport for JSON that is not a demo
// report (a soak report, for instance).
var ErrNotDemoReport = errors.New("not a ginleak demo report")

// ReadReport reads a demo report from path (at most 64 MiB).
func ReadReport(path string) (*Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxReportBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxReportBytes {
		return nil, fmt.Errorf("%s: larger than %d MiB: %w", path, maxReportBytes>>20, ErrNotDemoReport)
	}
	var head struct {
		Kind string `json:"kind"`
	}
	if json.Unmarshal(data, &head) != nil || head.Kind != ReportKind {
		return nil, fmt.Errorf("%s: %w", path, ErrNotDemoReport)
	}
	var rep Report
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&rep); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &rep, nil
}
