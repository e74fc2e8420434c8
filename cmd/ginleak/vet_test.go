package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// newModule writes a throwaway module that imports the gin stub through a
// replace directive, so the go command never needs the network.
func newModule(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	stub, err := filepath.Abs("../../analysis/internal/ruletest/testdata/src/github.com/gin-gonic/gin")
	if err != nil {
		t.Fatal(err)
	}
	ginDir := filepath.Join(dir, "_gin")
	if err := os.CopyFS(ginDir, os.DirFS(stub)); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(ginDir, "go.mod"), "module github.com/gin-gonic/gin\n\ngo 1.22\n")
	write(t, filepath.Join(dir, "go.mod"), "module example.com/app\n\ngo 1.22\n\nrequire github.com/gin-gonic/gin v1.12.0\n\nreplace github.com/gin-gonic/gin => ./_gin\n")
	for name, src := range files {
		write(t, filepath.Join(dir, name), src)
	}
	return dir
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runIn runs the CLI with dir as the working directory.
func runIn(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Chdir(dir)
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

const leakyServer = `package main

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func main() {
	r := gin.New()
	r.GET("/", func(c *gin.Context) { c.String(200, "ok") })
	srv := &http.Server{Addr: ":8080", Handler: r}
	_ = srv.ListenAndServe()
}
`

func TestVetExitCodes(t *testing.T) {
	clean := strings.Replace(leakyServer, `Handler: r}`, `Handler: r, ReadHeaderTimeout: 5}`, 1)
	tests := []struct {
		name     string
		files    map[string]string
		args     []string
		wantCode int
		wantOut  string // substring of stdout
		wantErr  string // substring of stderr
	}{
		{"finding", map[string]string{"main.go": leakyServer}, []string{"vet"}, exitFindings, "main.go:12:10: ", ""},
		{"finding names rule", map[string]string{"main.go": leakyServer}, []string{"vet", "./..."}, exitFindings, "(servertimeout)", ""},
		{"clean", map[string]string{"main.go": clean}, []string{"vet"}, exitOK, "", ""},
		{"disabled rule", map[string]string{"main.go": leakyServer}, []string{"vet", "-disable", "servertimeout"}, exitOK, "", ""},
		{"enable by ID", map[string]string{"main.go": leakyServer}, []string{"vet", "-enable", "GL1006"}, exitFindings, "(servertimeout)", ""},
		{"unknown rule", map[string]string{"main.go": leakyServer}, []string{"vet", "-enable", "nosuch"}, exitUsage, "", `unknown rule "nosuch"`},
		// An empty -enable used to run every rule.
		{"empty enable", map[string]string{"main.go": leakyServer}, []string{"vet", "-enable", ""}, exitUsage, "", `-enable "" names no rule`},
		{"comma enable", map[string]string{"main.go": leakyServer}, []string{"vet", "-enable", ", "}, exitUsage, "", `-enable ", " names no rule`},
		{"empty disable disables nothing", map[string]string{"main.go": leakyServer}, []string{"vet", "-disable", ""}, exitFindings, "(servertimeout)", ""},
		{"bad flag", map[string]string{"main.go": leakyServer}, []string{"vet", "-nosuchflag"}, exitUsage, "", "flag provided but not defined"},
		{"type error", map[string]string{"main.go": "package main\n\nfunc main() { undefinedThing() }\n"}, []string{"vet"}, exitUsage, "", "undefined: undefinedThing"},
		{"no match", map[string]string{"main.go": clean}, []string{"vet", "./nosuchdir/..."}, exitUsage, "", "ginleak vet:"},
		{"help", map[string]string{"main.go": clean}, []string{"vet", "-h"}, exitOK, "//ginleak:ignore <rule>", ""},
		{"list", map[string]string{"main.go": clean}, []string{"vet", "-list"}, exitOK, "GL1001", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newModule(t, tt.files)
			code, out, errOut := runIn(t, dir, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			if tt.wantOut != "" && !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, out)
			}
			if tt.wantOut == "" && tt.wantCode == exitOK && tt.args[len(tt.args)-1] != "-h" && tt.args[len(tt.args)-1] != "-list" && out != "" {
				t.Errorf("want no output, got:\n%s", out)
			}
			if tt.wantErr != "" && !strings.Contains(errOut, tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, errOut)
			}
			if strings.Contains(errOut, "goroutine ") && strings.Contains(errOut, "panic") {
				t.Errorf("panic trace on user input:\n%s", errOut)
			}
		})
	}
}

func TestVetNoModule(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.go"), "package main\nfunc main() {}\n")
	code, _, errOut := runIn(t, dir, "vet")
	if code != exitUsage || !strings.Contains(errOut, "no go.mod") || !strings.Contains(errOut, "go mod init") {
		t.Fatalf("code %d, stderr %q: want exit 2 and advice to create a module", code, errOut)
	}
}

func TestVetJSON(t *testing.T) {
	dir := newModule(t, map[string]string{"main.go": leakyServer})
	code, out, errOut := runIn(t, dir, "vet", "-json")
	if code != exitFindings {
		t.Fatalf("exit %d, stderr %s", code, errOut)
	}
	var tree map[string]map[string][]struct {
		Posn           string `json:"posn"`
		Message        string `json:"message"`
		SuggestedFixes []struct {
			Edits []struct {
				Filename string `json:"filename"`
				New      string `json:"new"`
			} `json:"edits"`
		} `json:"suggested_fixes"`
	}
	if err := json.Unmarshal([]byte(out), &tree); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	diags := tree["example.com/app"]["servertimeout"]
	if len(diags) != 1 {
		t.Fatalf("want one servertimeout diagnostic under example.com/app, got tree %v", tree)
	}
	if !strings.HasSuffix(diags[0].Posn, "main.go:12:10") || len(diags[0].SuggestedFixes) == 0 {
		t.Errorf("diagnostic = %+v, want posn main.go:12:10 with a fix", diags[0])
	}
}

func TestVetFix(t *testing.T) {
	dir := newModule(t, map[string]string{"main.go": leakyServer})
	code, _, errOut := runIn(t, dir, "vet", "-fix")
	// Every finding had a fix: nothing is left, so -fix itself exits 0.
	if code != exitOK || !strings.Contains(errOut, "applied 1 fix in 1 file") {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	got, err := os.ReadFile(filepath.Join(dir, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "ReadHeaderTimeout: 5 * time.Second") || !strings.Contains(string(got), `"time"`) {
		t.Fatalf("fix not applied:\n%s", got)
	}
	code, out, errOut := runIn(t, dir, "vet")
	if code != exitOK {
		t.Fatalf("after -fix: exit %d\n%s%s", code, out, errOut)
	}
}

func TestVetSuppression(t *testing.T) {
	withReason := strings.Replace(leakyServer, "\tsrv := ", "\t//ginleak:ignore servertimeout behind a proxy that enforces timeouts\n\tsrv := ", 1)
	noReason := strings.Replace(leakyServer, "\tsrv := ", "\t//ginleak:ignore servertimeout\n\tsrv := ", 1)
	stale := strings.Replace(withReason, `Handler: r}`, `Handler: r, ReadHeaderTimeout: 5}`, 1)
	unknown := strings.Replace(stale, "servertimeout behind", "nosuchrule behind", 1)
	tests := []struct {
		name, src string
		wantCode  int
		want      []string
	}{
		{"reason silences", withReason, exitOK, nil},
		{"no reason", noReason, exitFindings, []string{"has no reason", "(suppress)", "(servertimeout)"}},
		{"stale", stale, exitFindings, []string{"silences nothing", "(suppress)"}},
		{"unknown rule", unknown, exitFindings, []string{"unknown rule nosuchrule"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newModule(t, map[string]string{"main.go": tt.src})
			code, out, errOut := runIn(t, dir, "vet")
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\n%s%s", code, tt.wantCode, out, errOut)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, &out); code != exitOK || !strings.HasPrefix(out.String(), "ginleak ") {
		t.Fatalf("version: code %d, output %q", code, out.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"nosuch"}, &out, &errb); code != exitUsage || !strings.Contains(errb.String(), "unknown command") {
		t.Fatalf("code %d, stderr %q", code, errb.String())
	}
}

func TestVetSARIF(t *testing.T) {
	dir := newModule(t, map[string]string{"main.go": leakyServer})
	sarifPath := filepath.Join(dir, "out.sarif")
	code, _, errOut := runIn(t, dir, "vet", "-sarif", sarifPath)
	if code != exitFindings {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(sarifPath)
	if err != nil {
		t.Fatal(err)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID                   string                 `json:"id"`
						Name                 string                 `json:"name"`
						HelpURI              string                 `json:"helpUri"`
						Help                 struct{ Text string }  `json:"help"`
						ShortDescription     struct{ Text string }  `json:"shortDescription"`
						DefaultConfiguration struct{ Level string } `json:"defaultConfiguration"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string                `json:"ruleId"`
				RuleIndex int                   `json:"ruleIndex"`
				Level     string                `json:"level"`
				Message   struct{ Text string } `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI       string `json:"uri"`
							URIBaseID string `json:"uriBaseId"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine   int `json:"startLine"`
							StartColumn int `json:"startColumn"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				Fixes []struct {
					ArtifactChanges []struct {
						Replacements []struct {
							InsertedContent struct{ Text string } `json:"insertedContent"`
						} `json:"replacements"`
					} `json:"artifactChanges"`
				} `json:"fixes"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("invalid JSON: %v", err)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-2.1.0") || len(log.Runs) != 1 {
		t.Fatalf("header: version %q schema %q runs %d", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "ginleak" || len(run.Tool.Driver.Rules) < 6 {
		t.Fatalf("driver %q with %d rules, want ginleak with every rule", run.Tool.Driver.Name, len(run.Tool.Driver.Rules))
	}
	ids := map[string]bool{}
	for _, r := range run.Tool.Driver.Rules {
		if r.ID == "" || r.Name == "" || r.ShortDescription.Text == "" || r.Help.Text == "" ||
			!strings.HasSuffix(r.HelpURI, "docs/rules/"+r.Name+".md") || r.DefaultConfiguration.Level == "" {
			t.Errorf("incomplete rule entry %+v", r)
		}
		if ids[r.ID] {
			t.Errorf("duplicate rule id %s", r.ID)
		}
		ids[r.ID] = true
	}
	if len(run.Results) != 1 {
		t.Fatalf("want 1 result, got %d", len(run.Results))
	}
	res := run.Results[0]
	if res.RuleID != "GL1006" || run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID || res.Level != "warning" {
		t.Errorf("result rule %s index %d level %s", res.RuleID, res.RuleIndex, res.Level)
	}
	loc := res.Locations[0].PhysicalLocation
	if loc.ArtifactLocation.URI != "main.go" || loc.ArtifactLocation.URIBaseID != "%SRCROOT%" || loc.Region.StartLine != 12 || loc.Region.StartColumn != 10 {
		t.Errorf("location %+v", loc)
	}
	if len(res.Fixes) == 0 || !strings.Contains(res.Fixes[0].ArtifactChanges[0].Replacements[0].InsertedContent.Text+res.Fixes[0].ArtifactChanges[0].Replacements[len(res.Fixes[0].ArtifactChanges[0].Replacements)-1].InsertedContent.Text, "ReadHeaderTimeout") {
		t.Errorf("fix missing or wrong: %+v", res.Fixes)
	}
}

// TestVetFixDropsImportsItEmptied: two bgcontext fixes in one file remove
// the last uses of package context; the file must still build afterwards.
func TestVetFixDropsImportsItEmptied(t *testing.T) {
	dir := newModule(t, map[string]string{
		"store.go": "package app\n\nimport \"context\"\n\nfunc load(ctx context.Context, id string) error { return ctx.Err() }\n",
		"handler.go": `package app

import (
	"context"

	"github.com/gin-gonic/gin"
)

func Get(c *gin.Context) {
	_ = load(context.Background(), c.Param("id"))
	_ = load(context.TODO(), c.Param("other"))
	c.Status(204)
}
`,
	})
	code, out, errOut := runIn(t, dir, "vet", "-fix")
	if code != exitOK || !strings.Contains(errOut, "applied 2 fixes in 1 file") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "handler.go"))
	if strings.Contains(string(got), `"context"`) || strings.Count(string(got), "c.Request.Context()") != 2 {
		t.Fatalf("handler.go after -fix:\n%s", got)
	}
	if code, out, errOut := runIn(t, dir, "vet"); code != exitOK {
		t.Fatalf("after -fix: exit %d (the fixed package must build and be clean)\n%s%s", code, out, errOut)
	}
}

func TestVetFixLeavesReadOnlyFiles(t *testing.T) {
	dir := newModule(t, map[string]string{"main.go": leakyServer})
	file := filepath.Join(dir, "main.go")
	if err := os.Chmod(file, 0o444); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runIn(t, dir, "vet", "-fix")
	if code != exitFindings || !strings.Contains(errOut, "not fixed: "+file+": read-only") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if got, _ := os.ReadFile(file); string(got) != leakyServer {
		t.Fatalf("read-only file was rewritten:\n%s", got)
	}
}

func TestVetSARIFBadPathFailsFirst(t *testing.T) {
	dir := newModule(t, map[string]string{"main.go": leakyServer})
	code, out, errOut := runIn(t, dir, "vet", "-fix", "-sarif", filepath.Join(dir, "no", "such", "dir", "x.sarif"))
	if code != exitUsage || !strings.Contains(errOut, "create SARIF file") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "main.go")); string(got) != leakyServer {
		t.Fatal("-fix ran although the SARIF path was bad")
	}
}

func TestVetLookalikeDirective(t *testing.T) {
	spaced := strings.Replace(leakyServer, "\tsrv := ", "\t// ginleak:ignore servertimeout behind a proxy\n\tsrv := ", 1)
	dir := newModule(t, map[string]string{"main.go": spaced})
	code, out, _ := runIn(t, dir, "vet")
	if code != exitFindings || !strings.Contains(out, "not a directive") || !strings.Contains(out, "(servertimeout)") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	code, out, _ = runIn(t, dir, "vet", "-enable", "ServerTimeout")
	if code != exitFindings || !strings.Contains(out, "(servertimeout)") {
		t.Fatalf("rule names should match case-insensitively: exit %d\n%s", code, out)
	}
}

// brokenFiles: a good package with a finding, a cgo package whose header
// is missing, and a package whose import no module provides.
var brokenFiles = map[string]string{
	"main.go":      leakyServer,
	"cgodep/c.go":  "package cgodep\n\n/*\n#include \"nosuch_header.h\"\n*/\nimport \"C\"\n\nfunc Native() int { return int(C.value()) }\n",
	"private/p.go": "package private\n\nimport \"example.com/private/secret\"\n\nfunc Y() string { return secret.Value }\n",
}

func offlineCgo(t *testing.T) {
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=readonly")
	t.Setenv("CGO_ENABLED", "1")
}

// TestVetKeepsGoingPastBrokenPackages: one package that does not build used
// to turn the whole run into exit 2 with no findings.
func TestVetKeepsGoingPastBrokenPackages(t *testing.T) {
	offlineCgo(t)
	dir := newModule(t, brokenFiles)
	code, out, errOut := runIn(t, dir, "vet")
	if code != exitUsage || !strings.Contains(out, "main.go:12:10: ") || !strings.Contains(out, "(servertimeout)") {
		t.Fatalf("exit %d, want 2 with the good package's finding on stdout\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"2 packages could not be checked",
		"example.com/app/cgodep: cgodep/c.go:", // gcc's error (or its absence) at the #include
		"example.com/app/private: private/p.go:3:8: could not import example.com/private/secret: ",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "analysis skipped") || strings.Contains(errOut, "no metadata for C") {
		t.Errorf("stderr gives a consequence, not the cause:\n%s", errOut)
	}

	code, out, _ = runIn(t, dir, "vet", "-json")
	var tree map[string]map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &tree); err != nil || code != exitUsage {
		t.Fatalf("exit %d, JSON %v:\n%s", code, err, out)
	}
	for _, pkg := range []string{"example.com/app/cgodep", "example.com/app/private"} {
		var e struct{ Error string }
		if err := json.Unmarshal(tree[pkg]["typecheck"], &e); err != nil || e.Error == "" {
			t.Errorf("%s: want {\"typecheck\": {\"error\": ...}}, got %s", pkg, tree[pkg]["typecheck"])
		}
	}
	if len(tree["example.com/app"]["servertimeout"]) == 0 {
		t.Errorf("JSON lacks the good package's finding:\n%s", out)
	}
}

// TestVetSARIFNeverTruncated: a run that fails must leave an existing
// report as it was; a partial run writes a complete report marked
// unsuccessful.
func TestVetSARIFNeverTruncated(t *testing.T) {
	offlineCgo(t)
	const previous = "previous report\n"
	t.Run("nothing checked", func(t *testing.T) {
		dir := newModule(t, map[string]string{"private/p.go": brokenFiles["private/p.go"]})
		path := filepath.Join(dir, "out.sarif")
		write(t, path, previous)
		code, _, errOut := runIn(t, dir, "vet", "-sarif", path)
		if got, _ := os.ReadFile(path); code != exitUsage || string(got) != previous {
			t.Fatalf("exit %d, report now %q\n%s", code, got, errOut)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, ".out.sarif*")); len(left) > 0 {
			t.Errorf("temporary files left behind: %v", left)
		}
	})
	t.Run("partial", func(t *testing.T) {
		dir := newModule(t, brokenFiles)
		path := filepath.Join(dir, "out.sarif")
		write(t, path, previous)
		code, _, errOut := runIn(t, dir, "vet", "-sarif", path)
		data, _ := os.ReadFile(path)
		var log struct {
			Runs []struct {
				Invocations []struct {
					ExecutionSuccessful        bool `json:"executionSuccessful"`
					ToolExecutionNotifications []struct {
						Level   string                `json:"level"`
						Message struct{ Text string } `json:"message"`
					} `json:"toolExecutionNotifications"`
				} `json:"invocations"`
				Results []json.RawMessage `json:"results"`
			} `json:"runs"`
		}
		if err := json.Unmarshal(data, &log); err != nil || code != exitUsage {
			t.Fatalf("exit %d, %v: %s\n%s", code, err, data, errOut)
		}
		inv := log.Runs[0].Invocations
		if len(inv) != 1 || inv[0].ExecutionSuccessful || len(inv[0].ToolExecutionNotifications) != 2 || len(log.Runs[0].Results) != 1 {
			t.Errorf("want one result and an unsuccessful invocation with 2 notifications, got %s", data)
		}
	})
}

// TestVetFixRefusesLinksOutOfTheModule: a .go file in the module that is a
// symbolic link to a file outside it used to be rewritten.
func TestVetFixRefusesLinksOutOfTheModule(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "server.go")
	write(t, outside, leakyServer)
	dir := newModule(t, nil)
	link := filepath.Join(dir, "main.go")
	if err := os.Symlink(outside, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	code, out, errOut := runIn(t, dir, "vet", "-fix")
	if code != exitFindings || !strings.Contains(errOut, "not fixed: "+link+": a symbolic link to "+outside+", outside the module") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if got, _ := os.ReadFile(outside); string(got) != leakyServer {
		t.Fatalf("file outside the module was rewritten:\n%s", got)
	}
	if target, err := os.Readlink(link); err != nil || target != outside {
		t.Fatalf("link changed: %q, %v", target, err)
	}

	// A link to a file inside the module is followed: the target is fixed.
	inside := filepath.Join(dir, "real", "server.go.txt")
	write(t, inside, leakyServer)
	if err := os.Remove(link); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(inside, link); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runIn(t, dir, "vet", "-fix")
	if got, _ := os.ReadFile(inside); code != exitOK || !strings.Contains(string(got), "ReadHeaderTimeout") {
		t.Fatalf("exit %d, target now:\n%s\n%s%s", code, got, out, errOut)
	}
}

// TestVetGeneratedFiles: generated files are skipped unless -generated.
func TestVetGeneratedFiles(t *testing.T) {
	gen := "// Code generated by hand for this test. DO NOT EDIT.\n\n" + leakyServer
	dir := newModule(t, map[string]string{"main.go": gen})
	if code, out, errOut := runIn(t, dir, "vet"); code != exitOK || out != "" {
		t.Fatalf("default: exit %d, want 0 and no output\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runIn(t, dir, "vet", "-generated"); code != exitFindings || !strings.Contains(out, "(servertimeout)") {
		t.Fatalf("-generated: exit %d, want the finding\n%s%s", code, out, errOut)
	}
	// -fix leaves generated files alone by default too: there is nothing to fix.
	if code, _, errOut := runIn(t, dir, "vet", "-fix"); code != exitOK || !strings.Contains(errOut, "applied 0 fixes") {
		t.Fatalf("-fix: exit %d\n%s", code, errOut)
	}
}

func TestVetCPUProfile(t *testing.T) {
	dir := newModule(t, map[string]string{"main.go": leakyServer})
	prof := filepath.Join(dir, "cpu.prof")
	if code, _, errOut := runIn(t, dir, "vet", "-cpuprofile", prof); code != exitFindings {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if info, err := os.Stat(prof); err != nil || info.Size() == 0 {
		t.Fatalf("no profile written: %v", err)
	}
	if code, _, errOut := runIn(t, dir, "vet", "-cpuprofile", filepath.Join(dir, "no", "such", "cpu.prof")); code != exitUsage || !strings.Contains(errOut, "create CPU profile") {
		t.Fatalf("bad profile path: exit %d\n%s", code, errOut)
	}
}
