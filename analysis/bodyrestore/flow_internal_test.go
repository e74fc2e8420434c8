package bodyrestore

import (
	"go/ast"
	"testing"

	"golang.org/x/tools/go/ast/inspector"
)

// TestBlocked checks the syntactic reachability from read() to the first
// next() in each function body.
func TestBlocked(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       bool
	}{
		{"straight", "read(); next()", false},
		{"error return", "if err := read(); err != nil { return }; next()", false},
		{"read in if", "if x { read() }; next()", false},
		{"read in returning if", "if x { read(); return }; next()", true},
		{"panic", "if x { read(); panic(1) }; next()", true},
		{"nested return", "if x { if y { read() }; log(); return }; next()", true},
		{"return before read", "if x { return; read() }; next()", false},
		{"next in same block before return", "if x { read(); next(); return }", false},
		{"if and else", "if x { next() } else { read() }", true},
		{"else and if", "if x { read() } else { next() }", true},
		{"else if", "if x { read() } else if y { next() }", true},
		{"cond and body", "if read() { next() }", false},
		{"switch clauses", "switch { case x: read(); default: next() }", true},
		{"same clause", "switch { case x: read(); next() }", false},
		{"select clauses", "select { case <-ch: read(); default: next() }", true},
		{"loop", "for x { read() }; next()", false},
		{"return in a closure", "read(); f := func() { return }; f(); next()", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := "package p\n\nfunc f() {\n" + tc.body + "\n}\n"
			_, f := parse(t, src)
			ins := inspector.New([]*ast.File{f})
			var readCur inspector.Cursor
			var next *ast.CallExpr
			for cur := range ins.Root().Preorder((*ast.CallExpr)(nil)) {
				call := cur.Node().(*ast.CallExpr)
				id, ok := call.Fun.(*ast.Ident)
				if !ok {
					continue
				}
				switch {
				case id.Name == "read" && !readCur.Valid():
					readCur = cur
				case id.Name == "next" && next == nil:
					next = call
				}
			}
			if !readCur.Valid() || next == nil {
				t.Fatal("no read() or next()")
			}
			if got := blocked(readCur, next.Pos()); got != tc.want {
				t.Errorf("blocked = %v, want %v", got, tc.want)
			}
		})
	}
}
