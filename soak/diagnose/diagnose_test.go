package diagnose

import (
	"os"
	"strings"
	"testing"
)

func frames(fns ...string) []Frame {
	out := make([]Frame, len(fns))
	for i, fn := range fns {
		file := "/usr/local/go/src/x.go"
		if strings.HasPrefix(fn, "main.") {
			file = "/src/shop/main.go"
		}
		out[i] = Frame{Function: fn, File: file, Line: 10 + i}
	}
	return out
}

var owner = Owner{GOROOT: "/usr/local/go"}

func TestForGoroutine(t *testing.T) {
	tests := []struct {
		name  string
		state string
		fns   []string
		want  string // "" for no cause
	}{
		{"body not closed", "select", []string{"net/http.(*persistConn).readLoop"}, "http-body-not-closed"},
		{"request without timeout", "select", []string{"runtime.selectgo", "net/http.(*persistConn).roundTrip", "net/http.(*Transport).roundTrip",
			"net/http.(*Transport).RoundTrip", "net/http.send", "net/http.(*Client).do", "net/http.(*Client).Do", "net/http.Get", "main.stock.func1"}, "http-request-no-timeout"},
		{"idle connection", "IO wait", []string{"internal/poll.runtime_pollWait", "bufio.(*Reader).Peek", "net/http.(*persistConn).readLoop"}, "http-idle-connections"},
		{"write loop", "select", []string{"net/http.(*persistConn).writeLoop"}, "http-client-connections"},
		{"http2", "IO wait", []string{"net/http.(*http2clientConnReadLoop).run", "net/http.(*http2ClientConn).readLoop"}, "http-client-connections"},
		{"sql opener", "select", []string{"database/sql.(*DB).connectionOpener"}, "sql-db-per-request"},
		{"sql tx", "chan receive", []string{"database/sql.(*Tx).awaitDone"}, "sql-tx-not-ended"},
		{"sql rows", "select", []string{"database/sql.(*Rows).awaitDone"}, "sql-rows-not-closed"},
		{"propagateCancel closure", "select", []string{"context.(*cancelCtx).propagateCancel.func2"}, "context-not-cancelled"},
		{"propagateCancel, go1.20", "select", []string{"context.propagateCancel.func1"}, "context-not-cancelled"},
		{"pipe write", "sync.Cond.Wait", []string{"sync.runtime_notifyListWait", "io.(*pipe).write", "io.(*PipeWriter).Write", "main.produce"}, "io-pipe-not-closed"},
		{"handler blocked", "chan receive", []string{"main.handler", "net/http.HandlerFunc.ServeHTTP", "net/http.serverHandler.ServeHTTP", "net/http.(*conn).serve"}, "handler-blocked"},
		{"handler running is not blocked", "running", []string{"main.handler", "net/http.serverHandler.ServeHTTP", "net/http.(*conn).serve"}, ""},
		{"idle server connection", "IO wait", []string{"bufio.(*Reader).Peek", "net/http.(*conn).serve"}, "server-connections-held"},
		{"sleep", "sleep", []string{"time.Sleep", "main.retry"}, "sleeping"},
		{"nil chan", "chan send (nil chan)", []string{"main.f"}, "nil-channel"},
		{"forgotten sender", "chan send", []string{"main.slow.func1"}, "forgotten-sender"},
		{"forgotten receiver", "chan receive", []string{"main.wait"}, "forgotten-receiver"},
		{"empty select", "select (no cases)", []string{"main.forever"}, "select-forever"},
		{"mutex", "sync.Mutex.Lock", []string{"sync.(*Mutex).Lock", "main.f"}, "lock-never-released"},
		{"waitgroup", "sync.WaitGroup.Wait", []string{"sync.(*WaitGroup).Wait", "main.f"}, "lock-never-released"},
		// Near misses: no cause.
		{"a select of the user's", "select", []string{"main.loop"}, ""},
		{"IO wait of the user's", "IO wait", []string{"internal/poll.runtime_pollWait", "net.(*conn).Read", "main.read"}, ""},
		{"readLoopX is another function", "select", []string{"net/http.(*persistConn).readLoopX"}, ""},
		{"empty stack", "select", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := ForGoroutine(Goroutine{State: tt.state, Frames: frames(tt.fns...)})
			if got := c.ID; got != tt.want || ok != (tt.want != "") {
				t.Fatalf("ForGoroutine = %q, %v; want %q", got, ok, tt.want)
			}
			if ok && (c.Doc != DocPage+"#"+tt.want || c.Cause == "" || c.Fix == "") {
				t.Errorf("cause %+v lacks its text or doc anchor", c)
			}
		})
	}
}

func TestForHeap(t *testing.T) {
	own := owner.Own
	tests := []struct {
		name       string
		fns        []string
		want       string
		wantCalled string
		wantCaller string
	}{
		{"timer", []string{"runtime.mallocgc", "time.newTimer", "time.NewTimer", "main.arm", "main.main"}, "timer-retained", "time.NewTimer", "main.arm"},
		{"context", []string{"context.withCancel", "context.WithCancel", "main.handle"}, "context-not-cancelled", "context.WithCancel", "main.handle"},
		// net/http makes contexts of its own for each request: the call
		// the user made decides.
		{"context inside http", []string{"context.withCancel", "context.WithCancelCause", "net/http.(*Transport).roundTrip", "net/http.(*Transport).RoundTrip", "net/http.send", "net/http.(*Client).do", "net/http.(*Client).Do", "net/http.(*Client).Get", "net/http.Get", "main.fetch"}, "http-body-not-closed", "net/http.Get", "main.fetch"},
		{"http through a client library", []string{"net/http.(*persistConn).roundTrip", "net/http.(*Client).Do", "github.com/go-resty/resty/v2.(*Request).Execute", "main.callAPI"}, "http-body-not-closed", "net/http.(*Client).Do", "main.callAPI"},
		{"sql open", []string{"database/sql.OpenDB", "database/sql.Open", "main.handle"}, "sql-db-per-request", "database/sql.Open", "main.handle"},
		{"the user's own allocation", []string{"runtime.mallocgc", "main.cache"}, "", "", ""},
		{"no own frame", []string{"time.NewTimer", "net/http.(*conn).serve"}, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := frames(tt.fns...)
			for i := range fs { // the client library is in the module cache
				if strings.HasPrefix(fs[i].Function, "github.com/") {
					fs[i].File = "/root/go/pkg/mod/github.com/go-resty/resty/v2@v2.16.0/request.go"
				}
			}
			c, ok := ForHeap(fs, own)
			if c.ID != tt.want || ok != (tt.want != "") || c.Frame.Function != tt.wantCalled || c.Caller.Function != tt.wantCaller {
				t.Errorf("ForHeap = %q (%v), called %q, caller %q; want %q, %q, %q", c.ID, ok, c.Frame.Function, c.Caller.Function, tt.want, tt.wantCalled, tt.wantCaller)
			}
		})
	}
	if _, ok := ForHeap(frames("time.NewTimer", "main.f"), nil); ok {
		t.Error("ForHeap without an owner named a cause")
	}
}

func TestWithCallerFrom(t *testing.T) {
	g, _ := ForGoroutine(Goroutine{State: "select", Frames: frames("net/http.(*persistConn).readLoop")})
	heap := [][]Frame{
		frames("runtime.mallocgc", "main.cache"),
		frames("context.withCancel", "context.WithCancelCause", "net/http.(*Transport).roundTrip", "net/http.(*Client).Do", "main.fetch"),
	}
	c := g.WithCallerFrom(heap, owner.Own)
	if c.Caller.Function != "main.fetch" || c.Caller.File != "/src/shop/main.go" {
		t.Errorf("caller = %+v, want main.fetch", c.Caller)
	}
	s := c.String()
	for _, want := range []string{"net/http.(*persistConn).readLoop: HTTP client responses whose body is never closed", "called from main.fetch /src/shop/main.go:14", "fix: defer resp.Body.Close()", "(docs/known-leaks.md#http-body-not-closed)"} {
		if !strings.Contains(s, want) {
			t.Errorf("String() = %q, lacks %q", s, want)
		}
	}
	// A context goroutine must not take the caller of an HTTP request,
	// though net/http called context.WithCancelCause in it.
	cc, _ := ForGoroutine(Goroutine{State: "select", Frames: frames("context.(*cancelCtx).propagateCancel.func2")})
	if got := cc.WithCallerFrom(heap, owner.Own).Caller; got.Function != "" {
		t.Errorf("context cause took caller %+v from an HTTP stack", got)
	}
	// A rule with no entry points, and a set caller, stay as they are.
	fs, _ := ForGoroutine(Goroutine{State: "chan send", Frames: frames("main.f")})
	if got := fs.WithCallerFrom(heap, owner.Own); got != fs {
		t.Errorf("forgotten sender changed: %+v", got)
	}
}

func TestMatchFunc(t *testing.T) {
	tests := []struct {
		fn   string
		want bool
	}{
		{"context.(*cancelCtx).propagateCancel", true},
		{"context.(*cancelCtx).propagateCancel.func2", true},
		{"context.(*cancelCtx).propagateCancel.gowrap1", true},
		{"context.(*cancelCtx).propagateCancelX", false},
		{"context.(*cancelCtx).propagate", false},
	}
	for _, tt := range tests {
		if got := matchFunc([]string{"context.(*cancelCtx).propagateCancel"}, tt.fn); got != tt.want {
			t.Errorf("matchFunc(%q) = %v", tt.fn, got)
		}
	}
	if !matchFunc([]string{"pkg.F"}, "pkg.F[go.shape.int]") {
		t.Error("a generic instantiation does not match")
	}
}

// Every rule has its section in docs/known-leaks.md, and the page lists no
// rule that does not exist.
func TestRulesAreDocumented(t *testing.T) {
	b, err := os.ReadFile("../../" + DocPage)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	ids := map[string]bool{}
	for _, r := range Rules() {
		ids[r.ID] = true
		if r.Cause == "" || r.Fix == "" || r.Kind != KindGoroutine && r.Kind != KindHeap {
			t.Errorf("rule %q lacks a cause, a fix or a kind", r.ID)
		}
		if r.Kind == KindHeap && len(r.Functions) == 0 {
			t.Errorf("heap rule %q has no functions", r.ID)
		}
		if !strings.Contains(doc, "\n### `"+r.ID+"`\n") {
			t.Errorf("%s has no section ### `%s`", DocPage, r.ID)
		}
	}
	var documented []string
	for line := range strings.SplitSeq(doc, "\n") {
		if id, ok := strings.CutPrefix(line, "### `"); ok {
			id = strings.TrimSuffix(id, "`")
			documented = append(documented, id)
			if !ids[id] {
				t.Errorf("%s documents %s, which is not a rule", DocPage, line)
			}
		}
	}
	// The page says rules are tried in its order: the goroutine rules
	// must come in the table's order.
	pos := map[string]int{}
	for i, id := range documented {
		pos[id] = i
	}
	last := -1
	for _, r := range Rules() {
		if r.Kind != KindGoroutine {
			continue
		}
		if p := pos[r.ID]; p < last {
			t.Errorf("%s documents %s before the rule tried ahead of it", DocPage, r.ID)
		} else {
			last = p
		}
	}
}
