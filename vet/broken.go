package vet

import (
	"cmp"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Broken is a package that could not be checked: it does not parse or
// type-check, a package it imports cannot be found, its cgo preamble does
// not compile, or a pattern matched nothing loadable.
type Broken struct {
	Package string // import path, or the pattern the go command could not load
	ID      string // package ID, the key of the -json tree
	Posn    string // where the error is, "file:line:col", when known
	Msg     string // the first real error: the missing header, the unresolved import
}

func (b Broken) String() string {
	if b.Posn == "" {
		return b.Package + ": " + b.Msg
	}
	return b.Package + ": " + b.Posn + ": " + b.Msg
}

// BuildError says that some packages could not be checked. Run returns it
// together with the Result of the packages that could: their findings are
// complete, the broken packages have none.
type BuildError struct {
	Broken  []Broken
	Checked int // packages that were analysed
}

func (e *BuildError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s could not be checked (%d checked); fix the build and run again:",
		len(e.Broken), plural(len(e.Broken), "package", "packages"), e.Checked)
	for _, p := range e.Broken {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// splitBroken separates the root packages that can be analysed from those
// that cannot, and prepares the import graph for the checker.
//
// A package whose own files parse and type-check without error is analysed
// even when a package it imports is broken: go/packages marks it IllTyped
// (the flag is transitive), but the type checker resolved every expression
// in it, so its types are complete where the rules look. Packages with
// errors of their own are left out and cut from every import map, so that
// the checker, which runs fact-exporting analyzers on imports first, never
// fails an importer with "failed prerequisites": the importer simply gets
// no facts from the broken package.
func splitBroken(roots []*packages.Package) (good []*packages.Package, broken []Broken) {
	bad := map[*packages.Package]bool{}
	var all []*packages.Package
	packages.Visit(roots, nil, func(p *packages.Package) {
		all = append(all, p)
		if len(p.Errors) > 0 {
			bad[p] = true
		}
	})
	seen := map[string]int{} // PkgPath → index in broken
	for _, p := range roots {
		if !bad[p] {
			good = append(good, p)
			continue
		}
		name := cmp.Or(p.PkgPath, p.ID)
		posn, msg := rootCause(p, map[*packages.Package]bool{}, bad)
		b := Broken{Package: name, ID: p.ID, Posn: posn, Msg: msg}
		if i, ok := seen[name]; ok {
			if p.ID == p.PkgPath { // prefer the plain variant's ID and error
				broken[i] = b
			}
			continue
		}
		seen[name] = len(broken)
		broken = append(broken, b)
	}
	// Only now, after rootCause has followed them, cut the edges.
	for _, p := range all {
		if bad[p] {
			continue
		}
		p.IllTyped = false
		for path, imp := range p.Imports {
			if bad[imp] {
				delete(p.Imports, path)
			}
		}
	}
	sort.Slice(broken, func(i, j int) bool { return broken[i].Package < broken[j].Package })
	return good, broken
}

// rootCause picks the error that explains p's failure. The type checker's
// "could not import X", its "undefined: x.Y" that follow, and the go
// command's "# pkg" echo of type errors are consequences; the missing
// header, the unresolved module, the syntax error are causes. In order:
// parse errors; import failures, followed to the imported package's own
// cause; the go command's own errors (cgo's compiler output, module
// lookups) unless they only repeat a type error; type errors; anything.
func rootCause(p *packages.Package, visiting, bad map[*packages.Package]bool) (posn, msg string) {
	visiting[p] = true
	for _, e := range p.Errors {
		if e.Kind == packages.ParseError {
			return cleanPos(e.Pos), bound(e.Msg)
		}
	}
	for _, e := range p.Errors {
		path := importPathOf(e.Msg)
		imp := p.Imports[path]
		if e.Kind != packages.TypeError || imp == nil || visiting[imp] || len(imp.Errors) == 0 {
			continue
		}
		pos := cleanPos(e.Pos)
		ipos, imsg := rootCause(imp, visiting, bad)
		// A package that was not found has no files: the go command places
		// its error at the first import of it that it met, which may be
		// in another package altogether.
		if ipos != "" && len(imp.GoFiles)+len(imp.CompiledGoFiles) > 0 && !samePlace(pos, ipos) {
			imsg = ipos + ": " + imsg
		}
		return pos, "could not import " + path + ": " + imsg
	}
	for _, e := range p.Errors {
		if e.Kind == packages.ListError || e.Kind == packages.UnknownError {
			if line := compilerError(e.Msg); !repeatsTypeError(p, line) {
				return cleanPos(e.Pos), line
			}
		}
	}
	hint := brokenImportHint(p, bad)
	for _, e := range p.Errors {
		if e.Kind == packages.TypeError && importPathOf(e.Msg) == "" {
			return cleanPos(e.Pos), bound(e.Msg) + hint
		}
	}
	e := p.Errors[0]
	return cleanPos(e.Pos), bound(e.Msg) + hint
}

// repeatsTypeError reports whether line, from the go command's output, is
// the compiler's copy of one of p's type errors.
func repeatsTypeError(p *packages.Package, line string) bool {
	for _, e := range p.Errors {
		if e.Kind == packages.TypeError && strings.HasSuffix(line, ": "+e.Msg) {
			return true
		}
	}
	return false
}

// brokenImportHint names a directly imported package that does not build
// either: its failure is often why p's own code does not type-check.
func brokenImportHint(p *packages.Package, bad map[*packages.Package]bool) string {
	var paths []string
	for path, imp := range p.Imports {
		if bad[imp] {
			paths = append(paths, path)
		}
	}
	if len(paths) == 0 {
		return ""
	}
	sort.Strings(paths)
	return " (it imports " + paths[0] + ", which does not build either)"
}

// importPathOf returns X from the type checker's "could not import X (why)".
func importPathOf(msg string) string {
	rest, ok := strings.CutPrefix(msg, "could not import ")
	if !ok {
		return ""
	}
	if i := strings.IndexByte(rest, ' '); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// compilerError reduces the go command's output for a package to its first
// error line: "# pkg" banners, gcc's "In file included from" trail and the
// source excerpt below the error are dropped. Other messages are kept whole,
// on one line.
func compilerError(msg string) string {
	lines := strings.Split(msg, "\n")
	if strings.HasPrefix(lines[0], "# ") {
		var first string
		for _, l := range lines[1:] {
			l = strings.TrimSpace(l)
			if l == "" || strings.HasPrefix(l, "# ") {
				continue
			}
			if first == "" {
				first = l
			}
			if strings.Contains(l, "error:") {
				return bound(l)
			}
		}
		if first != "" {
			return bound(first)
		}
	}
	return bound(strings.Join(strings.Fields(msg), " "))
}

// bound keeps one message to a readable size: a hostile module can make the
// go command print anything.
func bound(s string) string {
	const max = 600
	if len(s) > max {
		return strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
}

// samePlace reports whether two positions name the same place, one
// absolute (the type checker's) and one relative (the go command's).
func samePlace(a, b string) bool {
	if a == "" || b == "" {
		return a == b
	}
	return a == b || strings.HasSuffix(a, string(filepath.Separator)+strings.TrimPrefix(b, "./")) || strings.HasSuffix(b, string(filepath.Separator)+strings.TrimPrefix(a, "./"))
}

func cleanPos(pos string) string {
	if pos == "-" {
		return ""
	}
	return pos
}
