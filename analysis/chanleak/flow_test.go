package chanleak

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"
)

// prelude gives the snippets a context-like value and helpers without imports.
const prelude = `package p

type Ctx interface{ Done() <-chan struct{} }

func work() int      { return 1 }
func fail() bool     { return false }
func use(v ...any)   {}
func after() <-chan int { return nil }
`

// diagnoseSnippet type-checks a function body (with ctx Ctx, tick <-chan int
// and n int in scope) and returns the messages chanleak reports for it.
func diagnoseSnippet(t *testing.T, body string) []string {
	t.Helper()
	src := prelude + "func f(ctx Ctx, tick <-chan int, n int) {\n" + body + "\n}\n"
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, src)
	}
	info := &types.Info{
		Types: map[ast.Expr]types.TypeAndValue{},
		Defs:  map[*ast.Ident]types.Object{},
		Uses:  map[*ast.Ident]types.Object{},
	}
	if _, err := (&types.Config{}).Check("p", fset, []*ast.File{file}, info); err != nil {
		t.Fatalf("type-check: %v\n%s", err, src)
	}
	var fn *ast.FuncDecl
	for _, d := range file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Name.Name == "f" {
			fn = fd
		}
	}
	// Find the makes the way run does, but only in f's own body.
	var chans []*chanVar
	var stack []ast.Node
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		if call, ok := n.(*ast.CallExpr); ok && isBuiltin(info, call, "make") && isChan(info.TypeOf(call)) {
			if cv := newChanVar(info, stack[len(stack)-1], call, fn.Body); cv != nil {
				chans = append(chans, cv)
			}
		}
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		stack = append(stack, n)
		return true
	})
	var msgs []string
	for _, d := range check(&pkgIndex{info: info, files: []*ast.File{file}}, fset, fn.Body, chans) {
		msgs = append(msgs, d.Message)
	}
	return msgs
}

func TestFlow(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       string // substring of the only message; "" for none
	}{
		{"plain receive", `ch := make(chan int); go func() { ch <- work() }(); use(<-ch)`, ""},
		{"return receive", `ch := make(chan int); go func() { ch <- work() }(); if n > 0 { use(<-ch); return }; <-ch`, ""},
		{"select ctx returns", `ch := make(chan int); go func() { ch <- 1 }(); select { case <-ch: case <-ctx.Done(): return }`,
			"the select at line 10 takes its ctx.Done() case and returns"},
		{"select ctx falls off", `ch := make(chan int); go func() { ch <- 1 }(); select { case <-ch: case <-ctx.Done(): }`,
			"takes its ctx.Done() case and returns"},
		{"select send case", `ch := make(chan int); out := make(chan int, 1); go func() { ch <- 1 }(); select { case <-ch: case out <- 1: }; <-out`,
			"takes its send to out case"},
		{"select in loop, other case continues", `ch := make(chan int); go func() { ch <- 1 }(); for { select { case <-ch: return; case <-tick: } }`, ""},
		{"select in loop, other case breaks", `ch := make(chan int); go func() { ch <- 1 }(); L: for { select { case <-ch: return; case <-tick: break L } }`,
			"takes its tick case"},
		{"select in loop, other case returns", `ch := make(chan int); go func() { ch <- 1 }(); for { select { case <-ch: return; case <-tick: return } }`,
			"takes its tick case and returns"},
		{"early return", `ch := make(chan int); go func() { ch <- 1 }(); if fail() { return }; <-ch`,
			"the function returns at line 10 before receiving from ch"},
		{"panic is not a return", `ch := make(chan int); go func() { ch <- 1 }(); if fail() { panic("x") }; <-ch`, ""},
		{"if without else", `ch := make(chan int); go func() { ch <- 1 }(); if fail() { <-ch }`,
			"the function ends without receiving from ch"},
		{"if with else", `ch := make(chan int); go func() { ch <- 1 }(); if fail() { <-ch } else { use(<-ch) }`, ""},
		{"receive in condition", `ch := make(chan int); go func() { ch <- 1 }(); if <-ch > 0 { return }`, ""},
		{"switch without default", `ch := make(chan int); go func() { ch <- 1 }(); switch n { case 1: <-ch }`,
			"ends without receiving"},
		{"switch with default", `ch := make(chan int); go func() { ch <- 1 }(); switch n { case 1: <-ch; default: <-ch }`, ""},
		{"switch break skips", `ch := make(chan int); go func() { ch <- 1 }(); switch n { case 1: if fail() { break }; <-ch; default: <-ch }`,
			"ends without receiving"},
		{"receive in counted loop", `ch := make(chan int); go func() { ch <- 1 }(); for i := 0; i < n; i++ { <-ch }`, ""},
		{"range receive", `ch := make(chan int); go func() { ch <- 1 }(); for v := range ch { use(v) }`, ""},
		{"go in if, return in else", `ch := make(chan int); if n > 0 { go func() { ch <- 1 }() } else { return }; <-ch`, ""},
		{"go in loop body, receive after loop", `ch := make(chan int); for i := 0; i < n; i++ { go func() { ch <- i }() }; for i := 0; i < n; i++ { <-ch }`, ""},
		{"go in loop, one receive", `ch := make(chan int); for i := 0; i < n; i++ { go func() { ch <- i }() }; <-ch`,
			"the goroutines' sends at line 10 block forever once the function has received one value"},
		{"one goroutine, two sends, one receive", `ch := make(chan int); go func() { ch <- 1; ch <- 2 }(); <-ch`,
			"the goroutine's sends at line 10 block forever once the function has received one value"},
		{"two goroutines, two receives", `ch := make(chan int); go func() { ch <- 1 }(); go func() { ch <- 2 }(); <-ch; <-ch`, ""},
		{"buffer fits", `ch := make(chan int, 2); go func() { ch <- 1; ch <- 2 }(); <-ch`, ""},
		{"guarded send", `ch := make(chan int); go func() { select { case ch <- 1: case <-ctx.Done(): } }(); select { case <-ch: case <-ctx.Done(): }`, ""},
		{"single-case select send is not guarded", `ch := make(chan int); go func() { select { case ch <- 1: } }(); select { case <-ch: case <-ctx.Done(): }`,
			"takes its ctx.Done() case"},
		{"closed", `ch := make(chan int); go func() { defer close(ch); ch <- 1 }(); select { case <-ch: case <-ctx.Done(): }`, ""},
		{"escapes by assignment", `ch := make(chan int); c2 := ch; go func() { ch <- 1 }(); select { case <-c2: case <-ctx.Done(): }`, ""},
		{"escapes by return-less call", `ch := make(chan int); go func() { ch <- 1 }(); use(ch)`, ""},
		{"other literal", `ch := make(chan int); run := func() { ch <- 1 }; go run(); select { case <-ch: case <-ctx.Done(): }`, ""},
		{"receive before go in loop", `ch := make(chan int); for { select { case <-ch: return; case <-tick: go func() { ch <- 1 }() } }`, ""},
		{"receiver nothing sends", `ch := make(chan int); go func() { <-ch }()`, "nothing sends to or closes ch"},
		{"receiver served", `ch := make(chan int); go func() { <-ch }(); ch <- 1`, ""},
		{"receiver early return", `ch := make(chan int); go func() { <-ch }(); if fail() { return }; ch <- 1`,
			"the function returns at line 10 before sending to ch"},
		{"receiver defer close", `ch := make(chan int); defer close(ch); go func() { <-ch }(); if fail() { return }`, ""},
		{"range needs close", `ch := make(chan int); go func() { for range ch {} }(); ch <- 1`, "range at line 10 blocks forever: nothing closes ch"},
		{"range closed", `ch := make(chan int); go func() { for range ch {} }(); ch <- 1; close(ch)`, ""},
		{"guarded receive loop", `ch := make(chan int); go func() { for { select { case <-ch: case <-ctx.Done(): return } } }(); ch <- 1`, ""},
		{"infinite receive loop", `ch := make(chan int); go func() { for { use(<-ch) } }(); ch <- 1`, "receive loop at line 10"},
		{"new channel per iteration, abandoned by continue", `for { ch := make(chan int); go func() { ch <- 1 }(); select { case <-ch: case <-tick: continue }; use(1) }`,
			"the select at line 10 takes its tick case and ch goes out of scope at line 10"},
		{"new channel per iteration, conditional receive", `for i := 0; i < n; i++ { ch := make(chan int); go func() { ch <- 1 }(); if fail() { <-ch } }`,
			"ch goes out of scope at line 10 without receiving from it"},
		{"new channel per iteration, buffer fits", `for i := 0; i < n; i++ { ch := make(chan int, 1); go func() { ch <- 1 }(); select { case <-ch: case <-ctx.Done(): return } }`, ""},
		{"constant loop of goroutines, buffer fits", `ch := make(chan int, 3); for i := 0; i < 3; i++ { go func() { ch <- i }() }; select { case <-ch: case <-ctx.Done(): }`, ""},
		{"constant loop of goroutines, buffer short", `ch := make(chan int, 2); for i := 0; i < 3; i++ { go func() { ch <- i }() }; select { case <-ch: case <-ctx.Done(): }`,
			"make(chan int, 3)"},
		{"exclusive sends, buffer of one", `ch := make(chan int, 1); go func() { if fail() { ch <- 1 } else { ch <- 2 } }(); select { case <-ch: case <-ctx.Done(): }`, ""},
		{"exclusive sends, unbuffered: fix offered", `ch := make(chan int); go func() { if fail() { ch <- 1 } else { ch <- 2 } }(); select { case <-ch: case <-ctx.Done(): }`,
			"make(chan int, 1)"},
		{"comma-ok receive loop", `ch := make(chan int); go func() { for { v, ok := <-ch; if !ok { return }; use(v) } }(); ch <- 1`, "receive loop at line 10"},
		{"receive loop with its own exit", `ch := make(chan int); go func() { for { if <-ch == 0 { break } } }(); ch <- 0`, ""},
		{"receiver with producer goroutine", `ch := make(chan int); go func() { ch <- 1 }(); go func() { <-ch }()`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs := diagnoseSnippet(t, tc.body)
			switch {
			case tc.want == "" && len(msgs) > 0:
				t.Errorf("unexpected: %q", msgs)
			case tc.want != "" && (len(msgs) != 1 || !strings.Contains(msgs[0], tc.want)):
				t.Errorf("got %q, want one message containing %q", msgs, tc.want)
			}
		})
	}
}

func TestCommName(t *testing.T) {
	for _, tc := range []struct{ comm, want string }{
		{"default:", "default"},
		{"case <-ctx.Done():", "ctx.Done()"},
		{"case v := <-tick: use(v)", "tick"},
		{"case v, ok := <-(tick): use(v, ok)", "tick"},
		{"case out <- 1:", "send to out"},
		{"case <-func() <-chan int { use(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13); return nil }():", "line 11"},
	} {
		src := prelude + "func f(ctx Ctx, tick <-chan int, out chan int) {\nselect {\n" + tc.comm + "\n}\n}\n"
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, "p.go", src, 0)
		if err != nil {
			t.Fatalf("parse %q: %v", tc.comm, err)
		}
		var cc *ast.CommClause
		ast.Inspect(file, func(n ast.Node) bool {
			if c, ok := n.(*ast.CommClause); ok {
				cc = c
			}
			return true
		})
		r := reporter{fset: fset}
		if got := r.commName(cc); got != tc.want {
			t.Errorf("commName(%q) = %q, want %q", tc.comm, got, tc.want)
		}
	}
}

// TestCount checks the bound on the sends one goroutine body makes on ch.
func TestCount(t *testing.T) {
	for _, tc := range []struct {
		body string
		want int
	}{
		{`ch <- 1`, 1},
		{`ch <- 1; ch <- 2`, 2},
		{`if n > 0 { ch <- 1 } else { ch <- 2 }`, 1},
		{`if n > 0 { ch <- 1 }; ch <- 2`, 2},
		{`switch n { case 1: ch <- 1; case 2: ch <- 2; default: }`, 1},
		{`select { case ch <- 1: case <-done: ch <- 2 }`, 1},
		{`for i := 0; i < 3; i++ { ch <- i }`, 3},
		{`for i := 1; i <= 3; i++ { ch <- i }`, 3},
		{`for range 4 { ch <- 1 }`, 4},
		{`for range arr { ch <- 1 }`, 3},
		{`for i := 0; i < n; i++ { ch <- i }`, unbounded},
		{`for { ch <- 1 }`, unbounded},
		{`for { if err := work(); err > 0 { ch <- err; break } }`, 1},
		{`for { if err := work(); err > 0 { ch <- err; return } }`, 1},
		{`for { switch work() { case 1: ch <- 1; break } }`, unbounded},
		{`L: for { switch work() { case 1: ch <- 1; break L } }`, 1},
		{`for { select { case ch <- 1: return; case <-done: } }`, 1},
		{`for i := 0; i < 2; i++ { for j := 0; j < 3; j++ { ch <- i + j } }`, 6},
		{`defer func() { ch <- 0 }(); ch <- 1`, 2},
		// A deferred recover handler sends only when the body panicked,
		// which it cannot do after its last send.
		{`defer func() { if r := recover(); r != nil { ch <- 9 } }(); ch <- work()`, 1},
		// Conservative: a panic is assumed possible between two sends.
		{`defer func() { if recover() != nil { ch <- 9 } }(); ch <- 1; ch <- 2`, 3},
		{`defer func() { if r := recover(); r != nil { ch <- 9 } }(); ch <- 1; work()`, 2},
		{`defer func() { if r := recover(); r != nil { ch <- 9 } else { ch <- 8 } }(); ch <- 1`, 2},
		{`defer func() { ch <- 7; if r := recover(); r != nil { ch <- 9 } }(); ch <- 1`, 2},
		{`defer func() { if r := recover(); r != nil { ch <- 9 } }(); if fail() { ch <- 1; return }; ch <- 2`, 1},
		{`defer func() { if r := recover(); r != nil { ch <- 9; ch <- 10 } }(); ch <- 1`, 2},
		{`defer func() { if r := recover(); r != nil { use(r) } }(); ch <- 1; ch <- 2`, 2},
		{`other <- 1`, 0},
		{`if n > 0 { ch <- 1; return }; ch <- 2`, 1},
		{`if n > 0 { ch <- 1; panic("x") }; ch <- 2`, 1},
		{`if n > 0 { ch <- 1 }; ch <- 2; return`, 2},
		{`for i := 0; i < 3; i++ { if i == n { ch <- i; return } }; ch <- 9`, 1},
		{`for i := 0; i < n; i++ { go func() { ch <- i }() }`, unbounded},
		{`for i := 0; i < 2; i++ { go func() { if n > 0 { ch <- 1; return }; ch <- 2 }() }`, 2},
		{`if n > 0 { go func() { ch <- 1 }() } else { go func() { ch <- 2 }() }`, 1},
	} {
		src := prelude + "func f(ch, other chan int, done <-chan int, n int, arr [3]int) {\ngo func() {\n" + tc.body + "\n}()\n}\n"
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, "p.go", src, 0)
		if err != nil {
			t.Fatalf("parse %q: %v", tc.body, err)
		}
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{}}
		if _, err := (&types.Config{}).Check("p", fset, []*ast.File{file}, info); err != nil {
			t.Fatalf("type-check %q: %v", tc.body, err)
		}
		var lit *ast.FuncLit
		var sends []token.Pos
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.GoStmt:
				if lit == nil {
					lit, _ = n.Call.Fun.(*ast.FuncLit)
				}
			case *ast.SendStmt:
				if id, ok := n.Chan.(*ast.Ident); ok && id.Name == "ch" {
					sends = append(sends, n.Pos())
				}
			}
			return true
		})
		k := counter{info: info, sends: sends}
		if got := k.goBody(lit.Body); got != tc.want {
			t.Errorf("count(%q) = %d, want %d", tc.body, got, tc.want)
		}
	}
}
