package vet

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"path/filepath"

	"github.com/ginleak/ginleak/analysis/rule"
)

// SARIF 2.1.0, the subset code-scanning services read: one rule entry per
// analyzer, results with regions, fixes as artifact changes.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds,omitempty"`
	Invocations        []sarifInvocation           `json:"invocations"`
	Results            []sarifResult               `json:"results"`
}

// sarifInvocation says whether every package was checked; each package
// that was not is an error notification, so a code-scanning service shows
// the run as partial rather than as clean.
type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	Help                 sarifText         `json:"help"`
	HelpURI              string            `json:"helpUri"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           map[string]string `json:"properties,omitempty"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations"`
	Fixes     []sarifFix      `json:"fixes,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           sarifRegion      `json:"region"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine,omitempty"`
	StartColumn int `json:"startColumn,omitempty"`
	EndLine     int `json:"endLine,omitempty"`
	EndColumn   int `json:"endColumn,omitempty"`
	CharOffset  int `json:"charOffset,omitempty"`
	CharLength  int `json:"charLength,omitempty"`
}

type sarifFix struct {
	Description     sarifText             `json:"description"`
	ArtifactChanges []sarifArtifactChange `json:"artifactChanges"`
}

type sarifArtifactChange struct {
	ArtifactLocation sarifArtifactLoc   `json:"artifactLocation"`
	Replacements     []sarifReplacement `json:"replacements"`
}

type sarifReplacement struct {
	DeletedRegion   sarifRegion `json:"deletedRegion"`
	InsertedContent sarifText   `json:"insertedContent"`
}

// sarifLevel maps rule severities to SARIF levels.
func sarifLevel(s rule.Severity) string {
	switch s {
	case rule.Error:
		return "error"
	case rule.Info:
		return "note"
	}
	return "warning"
}

// WriteSARIF writes the findings as SARIF 2.1.0. rules lists every rule
// that ran (and so gets a rule entry); paths are written relative to root
// under the %SRCROOT% base.
func WriteSARIF(w io.Writer, res *Result, root, version string) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "ginleak",
			Version:        version,
			InformationURI: "https://github.com/ginleak/ginleak",
		}},
		Results: []sarifResult{},
	}
	inv := sarifInvocation{ExecutionSuccessful: len(res.Broken) == 0}
	for _, b := range res.Broken {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level:   "error",
			Message: sarifText{"not checked: " + b.String()},
		})
	}
	run.Invocations = []sarifInvocation{inv}
	if root != "" {
		if abs, err := filepath.Abs(root); err == nil {
			u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs) + "/"}
			run.OriginalURIBaseIDs = map[string]sarifArtifactLoc{"%SRCROOT%": {URI: u.String()}}
		}
	}
	index := map[string]int{}
	addRule := func(r rule.Rule) int {
		if i, ok := index[r.ID]; ok {
			return i
		}
		index[r.ID] = len(run.Tool.Driver.Rules)
		doc := r.Analyzer.Doc
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:                   r.ID,
			Name:                 r.Name(),
			ShortDescription:     sarifText{r.Title},
			FullDescription:      sarifText{doc},
			Help:                 sarifText{doc + "\n\nDocs: " + r.DocURL()},
			HelpURI:              r.DocURL(),
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(r.Severity)},
			Properties:           map[string]string{"since": r.Since},
		})
		return index[r.ID]
	}
	for _, r := range res.Rules {
		addRule(r)
	}
	for _, f := range res.Findings {
		if f.Rule.Analyzer == nil {
			continue
		}
		i := addRule(f.Rule)
		result := sarifResult{
			RuleID:    f.Rule.ID,
			RuleIndex: i,
			Level:     sarifLevel(f.Severity()),
			Message:   sarifText{f.Message},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: artifact(root, f.Posn.Filename),
				Region:           region(f),
			}}},
		}
		for _, fix := range f.Fixes {
			changes := map[string]*sarifArtifactChange{}
			var order []string
			for _, e := range fix.TextEdits {
				start, end := f.fset.Position(e.Pos), f.fset.Position(e.Pos)
				if e.End.IsValid() {
					end = f.fset.Position(e.End)
				}
				ch := changes[start.Filename]
				if ch == nil {
					ch = &sarifArtifactChange{ArtifactLocation: artifact(root, start.Filename)}
					changes[start.Filename] = ch
					order = append(order, start.Filename)
				}
				ch.Replacements = append(ch.Replacements, sarifReplacement{
					DeletedRegion:   sarifRegion{StartLine: start.Line, StartColumn: start.Column, EndLine: end.Line, EndColumn: end.Column},
					InsertedContent: sarifText{string(e.NewText)},
				})
			}
			sf := sarifFix{Description: sarifText{fix.Message}}
			for _, file := range order {
				sf.ArtifactChanges = append(sf.ArtifactChanges, *changes[file])
			}
			result.Fixes = append(result.Fixes, sf)
		}
		run.Results = append(run.Results, result)
	}
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
		Runs:    []sarifRun{run},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(log); err != nil {
		return fmt.Errorf("encode SARIF: %w", err)
	}
	return nil
}

func artifact(root, file string) sarifArtifactLoc {
	if rel := relPath(root, file); rel != file {
		return sarifArtifactLoc{URI: filepath.ToSlash(rel), URIBaseID: "%SRCROOT%"}
	}
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(file)}
	return sarifArtifactLoc{URI: u.String()}
}

func region(f Finding) sarifRegion {
	r := sarifRegion{StartLine: f.Posn.Line, StartColumn: f.Posn.Column}
	if f.End.IsValid() && f.End.Filename == f.Posn.Filename {
		r.EndLine, r.EndColumn = f.End.Line, f.End.Column
	}
	return r
}
