package fixutil

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"testing"

	"golang.org/x/tools/go/analysis"
)

// twoFiles is a pass over a.go (unchanged) and b.go (edited since it was
// parsed) whose ReadFile counts the reads of each file.
func twoFiles(t *testing.T) (pass *analysis.Pass, fa, fb *ast.File, reads map[string]int) {
	t.Helper()
	const a, b = "package p\n\nvar A = 1\n\nvar A2 = 3\n", "package p\n\nvar B = 2\n"
	fset := token.NewFileSet()
	fa, errA := parser.ParseFile(fset, "a.go", a, 0)
	fb, errB := parser.ParseFile(fset, "b.go", b, 0)
	if err := errors.Join(errA, errB); err != nil {
		t.Fatal(err)
	}
	contents := map[string]string{"a.go": a, "b.go": b + "// edited since\n"}
	reads = map[string]int{}
	pass = &analysis.Pass{
		Fset:  fset,
		Files: []*ast.File{fa, fb},
		ReadFile: func(name string) ([]byte, error) {
			reads[name]++
			if s, ok := contents[name]; ok {
				return []byte(s), nil
			}
			return nil, errors.New("not found")
		},
	}
	return pass, fa, fb, reads
}

func TestSourceAndFileOf(t *testing.T) {
	pass, fa, fb, _ := twoFiles(t)
	if got := FileOf(pass, fb.Decls[0].Pos()); got != fb {
		t.Errorf("FileOf(b's decl) = %v, want b", got)
	}
	if got := FileOf(pass, token.NoPos); got != nil {
		t.Errorf("FileOf(NoPos) = %v, want nil", got)
	}
	if tf, src, ok := Source(pass, fa.Decls[0].Pos()); !ok || tf.Name() != "a.go" || len(src) != tf.Size() {
		t.Errorf("Source(a) = %v, %q, %v", tf, src, ok)
	}
	if _, _, ok := Source(pass, fb.Decls[0].Pos()); ok {
		t.Error("Source(b) is ok, want false: b changed since it was parsed")
	}
	if _, _, ok := Source(pass, token.NoPos); ok {
		t.Error("Source(NoPos) is ok, want false")
	}
}

// TestSourcesReadOnce: a fix per finding used to read the whole file once
// per finding; Sources answers as Source does and reads each file once,
// the changed one included.
func TestSourcesReadOnce(t *testing.T) {
	pass, fa, fb, reads := twoFiles(t)
	s := NewSources(pass)
	for range 3 {
		for _, d := range fa.Decls {
			tf, src, ok := s.Source(d.Pos())
			if !ok || tf.Name() != "a.go" || string(src[tf.Offset(d.Pos()):tf.Offset(d.End())]) == "" {
				t.Fatalf("Source(a's decl) = %v, %q, %v", tf, src, ok)
			}
		}
		if _, _, ok := s.Source(fb.Decls[0].Pos()); ok {
			t.Error("Source(b) is ok, want false: b changed since it was parsed")
		}
		if _, _, ok := s.Source(token.NoPos); ok {
			t.Error("Source(NoPos) is ok, want false")
		}
	}
	if reads["a.go"] != 1 || reads["b.go"] != 1 {
		t.Errorf("reads = %v, want each file once", reads)
	}
	// A new pass (a new Sources) reads again: nothing outlives its pass.
	if _, _, ok := NewSources(pass).Source(fa.Pos()); !ok || reads["a.go"] != 2 {
		t.Errorf("a new Sources: ok %v, a.go read %d times, want true and 2", ok, reads["a.go"])
	}
}
