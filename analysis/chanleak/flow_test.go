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
	for _, d := range check(info, fset, fn.Body, chans) {
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

func TestSendBound(t *testing.T) {
	g := &region{}
	loop := &region{inLoop: true}
	for _, tc := range []struct {
		name  string
		sends []op
		want  int
	}{
		{"none", nil, 0},
		{"one", []op{{reg: g}}, 1},
		{"two", []op{{reg: g}, {reg: g}}, 2},
		{"send in loop", []op{{reg: g}, {reg: g, inLoop: true}}, -1},
		{"go in loop", []op{{reg: loop}}, -1},
	} {
		if got := sendBound(tc.sends); got != tc.want {
			t.Errorf("%s: sendBound = %d, want %d", tc.name, got, tc.want)
		}
	}
}
