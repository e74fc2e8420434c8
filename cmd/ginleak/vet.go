package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/ginleak/ginleak/analysis/registry"
	"github.com/ginleak/ginleak/vet"
)

const vetUsage = `Usage: ginleak vet [flags] [packages]

Reports the code patterns that leak memory or goroutines in Gin and net/http
services. Packages are go list patterns (default ./...), loaded with their
tests. Each finding prints as

  file:line:col: message (rule)

Silence one finding with a comment on its line or the line above it:

  //ginleak:ignore <rule> <reason why it is safe>

Exit codes: 0 no findings, 1 findings, 2 the packages could not be loaded or
the flags are wrong.

Flags:
`

func runVet(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ginleak vet", flag.ContinueOnError)
	var (
		enable  = fs.String("enable", "", "comma-separated rules (names or IDs) to run; default all")
		disable = fs.String("disable", "", "comma-separated rules (names or IDs) to skip")
		asJSON  = fs.Bool("json", false, "print findings as the JSON tree of go vet -json")
		sarif   = fs.String("sarif", "", "also write the findings as SARIF 2.1.0 to `FILE` (for code-scanning services)")
		fix     = fs.Bool("fix", false, "apply the suggested fixes to the source files")
		list    = fs.Bool("list", false, "list the rules and exit")
		noTests = fs.Bool("notests", false, "leave out _test.go files")
		noRules = fs.Bool("norules", false, "load and type-check only (the floor bench/vet.sh measures)")
	)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), vetUsage)
		fs.PrintDefaults()
	}
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if *list {
		return listRules(stdout)
	}
	// Open the SARIF file first: a bad path must not cost a whole run.
	var sarifFile *os.File
	if *sarif != "" {
		f, err := os.Create(*sarif)
		if err != nil {
			fmt.Fprintf(stderr, "ginleak vet: create SARIF file: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		sarifFile = f
	}
	cfg := vet.Config{
		Patterns: fs.Args(),
		Enable:   splitList(*enable),
		Disable:  splitList(*disable),
		NoTests:  *noTests,
		NoRules:  *noRules,
	}
	res, err := vet.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "ginleak vet: %v\n", err)
		return exitUsage
	}
	if *fix {
		if res, err = applyFixes(ctx, cfg, res, stderr); err != nil {
			fmt.Fprintf(stderr, "ginleak vet: %v\n", err)
			return exitUsage
		}
	}
	if sarifFile != nil {
		if err := vet.WriteSARIF(sarifFile, res, res.Root, versionString()); err != nil {
			fmt.Fprintf(stderr, "ginleak vet: %v\n", err)
			return exitUsage
		}
		if err := sarifFile.Close(); err != nil {
			fmt.Fprintf(stderr, "ginleak vet: write SARIF file: %v\n", err)
			return exitUsage
		}
	}
	cwd, _ := os.Getwd()
	if *asJSON {
		err = vet.WriteJSON(stdout, res)
	} else {
		err = vet.WriteText(stdout, res, cwd)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ginleak vet: %v\n", err)
		return exitUsage
	}
	if len(res.Findings) > 0 {
		return exitFindings
	}
	return exitOK
}

// applyFixes applies the fixes, says what it did, and checks again so that
// what is printed afterwards is what is left, at the new positions.
func applyFixes(ctx context.Context, cfg vet.Config, res *vet.Result, stderr io.Writer) (*vet.Result, error) {
	sum, err := vet.ApplyFixes(res)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "ginleak vet: applied %d %s in %d %s", sum.Applied, plural(sum.Applied, "fix", "fixes"), len(sum.Files), plural(len(sum.Files), "file", "files"))
	if sum.Skipped > 0 {
		fmt.Fprintf(stderr, "; %d overlapped another fix: run ginleak vet -fix again", sum.Skipped)
	}
	fmt.Fprintln(stderr)
	for _, r := range sum.Refused {
		fmt.Fprintf(stderr, "ginleak vet: not fixed: %s\n", r)
	}
	if len(sum.Files) == 0 {
		return res, nil
	}
	after, err := vet.Run(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("after applying fixes: %w", err)
	}
	return after, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func listRules(w io.Writer) int {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tRULE\tSEVERITY\tSINCE\tTITLE")
	for _, r := range registry.Rules() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Name(), r.Severity, r.Since, r.Title)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nDocs: docs/rules/<rule>.md")
	return exitOK
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
