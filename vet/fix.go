package vet

import (
	"bytes"
	"cmp"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// edit is one text edit in byte offsets of one file.
type edit struct {
	start, end int
	text       string
}

// FixSummary says what ApplyFixes did.
type FixSummary struct {
	Applied int      // findings whose first fix was applied
	Skipped int      // findings whose fix overlapped another fix: run -fix again
	Files   []string // files rewritten
	// Refused lists files a fix would have edited but ApplyFixes left
	// alone, with why: outside the module (dependencies, the module
	// cache) or read-only.
	Refused []string
}

// ApplyFixes applies the first suggested fix of each finding. Identical
// edits (the same file reported in two test variants, the same import added
// twice) are applied once; a fix that overlaps an edit already taken is
// skipped whole, so no file is left half-fixed. Only files below res.Root
// that are writable are edited: a fix never reaches into dependencies or
// the module cache. Paths are judged after resolving every symbolic link,
// of the file and of the root: a link inside the module to a file outside
// it is refused, a link to a file inside it has its target rewritten. Each
// file is gofmt'ed and written only if the result parses.
func ApplyFixes(res *Result) (FixSummary, error) {
	var sum FixSummary
	perFile := map[string][]edit{}
	refused := map[string]string{}
	real := map[string]string{} // file as reported → its resolved path
	realRoot := res.Root
	if res.Root != "" {
		r, err := filepath.EvalSymlinks(res.Root)
		if err != nil {
			return sum, fmt.Errorf("resolve module root %s: %w", res.Root, err)
		}
		realRoot = r
	}
	for _, f := range res.Findings {
		if len(f.Fixes) == 0 {
			continue
		}
		fix := f.Fixes[0]
		proposed := map[string][]edit{}
		for _, e := range fix.TextEdits {
			start, end := f.fset.Position(e.Pos), f.fset.Position(cmp.Or(e.End, e.Pos))
			proposed[start.Filename] = append(proposed[start.Filename], edit{start.Offset, end.Offset, string(e.NewText)})
		}
		blocked := false
		for file := range proposed {
			resolved, why := editable(res.Root, realRoot, file)
			if why != "" {
				refused[file] = why
				blocked = true
				continue
			}
			real[file] = resolved
		}
		if blocked {
			continue
		}
		if conflicts(perFile, proposed) {
			sum.Skipped++
			continue
		}
		for file, edits := range proposed {
			perFile[file] = mergeEdits(perFile[file], edits)
		}
		sum.Applied++
	}
	for file, why := range refused {
		sum.Refused = append(sum.Refused, file+": "+why)
	}
	sort.Strings(sum.Refused)
	files := make([]string, 0, len(perFile))
	for file := range perFile {
		files = append(files, file)
	}
	sort.Strings(files)
	for _, file := range files {
		if err := rewrite(real[file], perFile[file]); err != nil {
			return sum, err
		}
		sum.Files = append(sum.Files, file)
	}
	return sum, nil
}

// conflicts reports whether any proposed edit overlaps a different edit
// already accepted.
func conflicts(accepted, proposed map[string][]edit) bool {
	for file, edits := range proposed {
		for _, p := range edits {
			for _, a := range accepted[file] {
				if a == p {
					continue
				}
				if p.start < a.end && a.start < p.end || p.start == a.start && p.end == a.end {
					return true
				}
				// Two insertions at one offset would interleave unpredictably.
				if p.start == p.end && a.start == a.end && p.start == a.start {
					return true
				}
			}
		}
	}
	return false
}

func mergeEdits(have, add []edit) []edit {
	for _, e := range add {
		dup := false
		for _, h := range have {
			if h == e {
				dup = true
				break
			}
		}
		if !dup {
			have = append(have, e)
		}
	}
	return have
}

// editable resolves file and says why it must not be rewritten, or "".
// root is the module root as loaded, realRoot the same with its links
// resolved; the check is made on resolved paths, so neither a linked file
// nor a linked directory can lead a fix out of the module.
func editable(root, realRoot, file string) (resolved, why string) {
	resolved, err := filepath.EvalSymlinks(file)
	if err != nil {
		return "", fmt.Sprintf("resolve path: %v", err)
	}
	if root != "" {
		if !within(root, file) {
			return "", "outside the module at " + root
		}
		if !within(realRoot, resolved) {
			return "", "a symbolic link to " + resolved + ", outside the module at " + root
		}
	}
	info, err := os.Stat(resolved)
	if err != nil {
		return "", err.Error()
	}
	if !info.Mode().IsRegular() {
		return "", "not a regular file"
	}
	if info.Mode().Perm()&0o222 == 0 {
		return "", "read-only"
	}
	return resolved, ""
}

// within reports whether path is dir or below it.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && !filepath.IsAbs(rel) && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// rewrite applies edits to file, a resolved path (links are not followed
// again: the rename replaces exactly the file that was checked).
func rewrite(file string, edits []edit) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read %s for fixing: %w", file, err)
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var out bytes.Buffer
	last := 0
	for _, e := range edits {
		if e.start < last || e.end > len(src) {
			return fmt.Errorf("fix for %s is out of range; file changed since it was checked? run ginleak vet again", file)
		}
		out.Write(src[last:e.start])
		out.WriteString(e.text)
		last = e.end
	}
	out.Write(src[last:])
	fixed, err := dropImportsMadeUnused(src, out.Bytes())
	if err != nil {
		return fmt.Errorf("fixes for %s do not produce valid Go (%v); file left unchanged", file, err)
	}
	formatted, err := format.Source(fixed)
	if err != nil {
		return fmt.Errorf("fixes for %s do not produce valid Go (%v); file left unchanged", file, err)
	}
	info, err := os.Stat(file)
	if err != nil {
		return fmt.Errorf("stat %s: %w", file, err)
	}
	return writeAtomic(file, formatted, info)
}

// writeAtomic replaces file through a temporary file and a rename, so an
// interrupted -fix never leaves a truncated source file behind.
func writeAtomic(file string, data []byte, info os.FileInfo) error {
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".ginleak-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	keepOwner(tmp, info)
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}
