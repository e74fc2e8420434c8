package diagnose

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/pprof/profile"
	"go.uber.org/goleak"
)

// The live tests make each leak in this process, read the goroutines with
// runtime.Stack (the debug=2 format) and the heap profile, and check that
// the table names the cause. Every leak is undone afterwards, and goleak
// checks that it was.
func TestMain(m *testing.M) {
	runtime.MemProfileRate = 1 // every allocation in the heap profile
	goleak.VerifyTestMain(m)
}

// testOwner claims this package's test code: the file is outside GOROOT and
// the module cache.
func testOwner(t *testing.T) Owner {
	return Owner{GOROOT: GOROOTOf(stackNow(t)...), ModulePath: "github.com/ginleak/ginleak"}
}

type liveGoroutine struct {
	id int
	Goroutine
}

var headerRE = regexp.MustCompile(`^goroutine (\d+)(?: [^\[]*)? \[([^\]]*)\]:$`)

// parseDump reads runtime.Stack(buf, true) output, enough for these
// tests (soak/profdiff.ParseGoroutines is the lenient parser soak uses).
func parseDump(b []byte) []liveGoroutine {
	var out []liveGoroutine
	var cur *liveGoroutine
	var pending *Frame
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := headerRE.FindStringSubmatch(line); m != nil {
			id, _ := strconv.Atoi(m[1])
			state, _, _ := strings.Cut(m[2], ",")
			out = append(out, liveGoroutine{id: id, Goroutine: Goroutine{State: state}})
			cur, pending = &out[len(out)-1], nil
			continue
		}
		switch {
		case cur == nil || line == "":
		case strings.HasPrefix(line, "\t"):
			if pending != nil {
				loc, _, _ := strings.Cut(strings.TrimSpace(line), " ")
				if i := strings.LastIndexByte(loc, ':'); i > 0 {
					pending.File = loc[:i]
					pending.Line, _ = strconv.Atoi(loc[i+1:])
				}
				pending = nil
			}
		case strings.HasPrefix(line, "created by "):
			fn, _, _ := strings.Cut(strings.TrimPrefix(line, "created by "), " in goroutine")
			cur.CreatedBy = Frame{Function: fn}
			pending = &cur.CreatedBy
		default:
			if i := strings.LastIndexByte(line, '('); i > 0 {
				cur.Frames = append(cur.Frames, Frame{Function: line[:i]})
				pending = &cur.Frames[len(cur.Frames)-1]
			}
		}
	}
	return out
}

func dump() []liveGoroutine {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return parseDump(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}

func stackNow(t *testing.T) [][]Frame {
	var out [][]Frame
	for _, g := range dump() {
		out = append(out, g.Frames)
	}
	return out
}

// expectCauses polls, bounded, until the goroutines started since before
// include at least want[id] goroutines of each cause, and returns them.
func expectCauses(t *testing.T, before map[int]bool, want map[string]int) []Cause {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := map[string]int{}
		var causes []Cause
		for _, g := range dump() {
			if before[g.id] {
				continue
			}
			if c, ok := ForGoroutine(g.Goroutine); ok {
				got[c.ID]++
				causes = append(causes, c)
			}
		}
		short := false
		for id, n := range want {
			if got[id] < n {
				short = true
			}
		}
		if !short {
			return causes
		}
		if time.Now().After(deadline) {
			t.Fatalf("causes of the new goroutines = %v, want at least %v", got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func goroutineIDs() map[int]bool {
	ids := map[int]bool{}
	for _, g := range dump() {
		ids[g.id] = true
	}
	return ids
}

// heapSample is a stack of the live heap and its in-use bytes.
type heapSample struct {
	frames []Frame
	bytes  int64
}

// heapProfile returns the live heap by stack, innermost frame first,
// inlined frames expanded.
func heapProfile(t *testing.T) map[string]heapSample {
	t.Helper()
	runtime.GC()
	runtime.GC() // the profile shows the heap as of the last completed cycle
	var buf bytes.Buffer
	if err := pprof.Lookup("heap").WriteTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]heapSample{}
	for _, s := range p.Sample {
		var fs []Frame
		var key strings.Builder
		for _, loc := range s.Location {
			for _, l := range loc.Line {
				if l.Function != nil {
					fs = append(fs, Frame{Function: l.Function.Name, File: l.Function.Filename, Line: int(l.Line)})
					key.WriteString(l.Function.Name + ":" + strconv.Itoa(int(l.Line)) + "\x00")
				}
			}
		}
		h := out[key.String()]
		h.frames, h.bytes = fs, h.bytes+s.Value[3] // inuse_space
		out[key.String()] = h
	}
	return out
}

// heapGrowth returns the stacks whose in-use bytes grew from base to last,
// largest growth first: what soak's heap diff hands over.
func heapGrowth(base, last map[string]heapSample) [][]Frame {
	var grown []heapSample
	for k, h := range last {
		if d := h.bytes - base[k].bytes; d > 0 {
			grown = append(grown, heapSample{h.frames, d})
		}
	}
	slices.SortFunc(grown, func(a, b heapSample) int { return cmp.Compare(b.bytes, a.bytes) })
	out := make([][]Frame, len(grown))
	for i, h := range grown {
		out[i] = h.frames
	}
	return out
}

func hello(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "hello") }

var leakedResponses []*http.Response

// fetchWithoutClose is the user's code of the leak: it never closes the
// body.
func fetchWithoutClose(t *testing.T, c *http.Client, url string) {
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	leakedResponses = append(leakedResponses, resp)
}

func TestLiveHTTPBodyNotClosed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(hello))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	before := goroutineIDs()
	base := heapProfile(t)
	const n = 4
	for range n {
		fetchWithoutClose(t, client, srv.URL)
	}
	defer func() {
		for _, r := range leakedResponses {
			r.Body.Close()
		}
		leakedResponses = nil
	}()
	causes := expectCauses(t, before, map[string]int{
		"http-body-not-closed":    n, // the readLoop of each connection
		"http-client-connections": n, // its writeLoop
		"server-connections-held": n, // the server's side, waiting for the next request
	})
	// The goroutine stacks cannot say who sent the request; the heap can.
	var body Cause
	for _, c := range causes {
		if c.ID == "http-body-not-closed" {
			body = c
		}
	}
	own := testOwner(t)
	heap := heapGrowth(base, heapProfile(t))
	body = body.WithCallerFrom(heap, own.Own)
	if !strings.HasSuffix(body.Caller.Function, ".fetchWithoutClose") || !strings.HasSuffix(body.Caller.File, "live_test.go") {
		t.Errorf("the request was made at %+v, want fetchWithoutClose in live_test.go", body.Caller)
	}
	found := false
	for _, s := range heap {
		if c, ok := ForHeap(s, own.Own); ok && strings.HasSuffix(c.Caller.Function, ".fetchWithoutClose") {
			found = found || c.ID == "http-body-not-closed"
			if c.ID != "http-body-not-closed" {
				t.Errorf("an allocation of fetchWithoutClose is named %q (called %s)", c.ID, c.Frame.Function)
			}
		}
	}
	if !found {
		t.Error("no allocation of fetchWithoutClose is named http-body-not-closed")
	}
}

func TestLiveTransportPerRequest(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(hello))
	defer srv.Close()
	before := goroutineIDs()
	const n = 4
	var trs []*http.Transport
	defer func() {
		for _, tr := range trs {
			tr.CloseIdleConnections()
		}
	}()
	for range n {
		tr := &http.Transport{}
		trs = append(trs, tr)
		resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	expectCauses(t, before, map[string]int{"http-idle-connections": n, "http-client-connections": n})
}

func TestLiveSQL(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const n = 3
	var cleanup []func() error
	defer func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}()
	before := goroutineIDs()
	for range n {
		db, err := sql.Open(fakeDriverName, "")
		if err != nil {
			t.Fatal(err)
		}
		cleanup = append(cleanup, db.Close)
		if err := db.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		cleanup = append(cleanup, tx.Rollback)
		rows, err := db.QueryContext(ctx, "select")
		if err != nil {
			t.Fatal(err)
		}
		cleanup = append(cleanup, rows.Close)
	}
	expectCauses(t, before, map[string]int{"sql-db-per-request": n, "sql-tx-not-ended": n, "sql-rows-not-closed": n})
}

// frameworkCtx is a context of another package's type, as a framework's
// request context can be: WithCancel under it needs a goroutine.
type frameworkCtx struct {
	context.Context
	done chan struct{}
}

func (c frameworkCtx) Done() <-chan struct{} { return c.done }

func TestLiveContextNotCancelled(t *testing.T) {
	parent := frameworkCtx{context.Background(), make(chan struct{})}
	before := goroutineIDs()
	const n = 3
	var cancels []context.CancelFunc
	for range n {
		_, cancel := context.WithCancel(parent)
		cancels = append(cancels, cancel)
	}
	defer func() {
		for _, c := range cancels {
			c()
		}
	}()
	expectCauses(t, before, map[string]int{"context-not-cancelled": n})
}

func TestLiveBlockedGoroutines(t *testing.T) {
	const n = 3
	var wg sync.WaitGroup
	defer wg.Wait()
	before := goroutineIDs()

	send := make(chan int) // nobody receives: forgotten senders
	recv := make(chan int) // nobody sends: forgotten receivers
	var mu sync.Mutex
	mu.Lock()
	pr, pw := io.Pipe()
	sleepFor := time.Second
	for range n {
		wg.Go(func() { send <- 1 })
		wg.Go(func() { <-recv })
		wg.Go(func() { mu.Lock(); mu.Unlock() })
		wg.Go(func() { pw.Write([]byte("x")) })
		wg.Go(func() { time.Sleep(sleepFor) })
	}
	defer func() {
		for range n {
			<-send
		}
		close(recv)
		mu.Unlock()
		pr.Close()
	}()
	expectCauses(t, before, map[string]int{
		"forgotten-sender": n, "forgotten-receiver": n, "lock-never-released": n,
		"io-pipe-not-closed": n, "sleeping": n,
	})
}

func TestLiveHandlerBlocked(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release // the handler waits for something that does not come
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	before := goroutineIDs()
	const n = 3
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
			if err == nil {
				resp.Body.Close()
			}
		})
	}
	defer wg.Wait()
	defer close(release)
	expectCauses(t, before, map[string]int{"handler-blocked": n})
}

var retained []*time.Timer

// armTimers is the user's code of the heap leak: timers kept in a slice.
func armTimers(n int) {
	for range n {
		retained = append(retained, time.NewTimer(time.Hour))
	}
}

var uncalled []context.CancelFunc

// deriveContexts is the user's code of the heap leak: contexts never
// cancelled under a long-lived parent (the cancel functions are kept only
// so that vet lets the test leak them).
func deriveContexts(parent context.Context, n int) {
	for range n {
		_, cancel := context.WithCancel(parent)
		uncalled = append(uncalled, cancel)
	}
}

func TestLiveHeap(t *testing.T) {
	base := heapProfile(t)
	parent, cancelParent := context.WithCancel(context.Background())
	armTimers(50)
	deriveContexts(parent, 50)
	defer func() {
		for _, tm := range retained {
			tm.Stop()
		}
		retained = nil
		cancelParent()
		uncalled = nil
	}()
	own := testOwner(t)
	want := map[string]string{".armTimers": "timer-retained", ".deriveContexts": "context-not-cancelled"}
	got := map[string]string{}
	for _, s := range heapGrowth(base, heapProfile(t)) {
		c, ok := ForHeap(s, own.Own)
		if !ok {
			continue
		}
		for suffix := range want {
			if strings.HasSuffix(c.Caller.Function, suffix) {
				got[suffix] = c.ID
			}
		}
	}
	for suffix, id := range want {
		if got[suffix] != id {
			t.Errorf("allocations of %s named %q, want %q", suffix, got[suffix], id)
		}
	}
}

// A fake database/sql driver: enough for Open, Begin and Query.
const fakeDriverName = "ginleak-diagnose-fake"

func init() { sql.Register(fakeDriverName, fakeDriver{}) }

type fakeDriver struct{}

func (fakeDriver) Open(string) (driver.Conn, error) { return fakeConn{}, nil }

type fakeConn struct{}

func (fakeConn) Prepare(string) (driver.Stmt, error) { return fakeStmt{}, nil }
func (fakeConn) Close() error                        { return nil }
func (fakeConn) Begin() (driver.Tx, error)           { return fakeTx{}, nil }

type fakeTx struct{}

func (fakeTx) Commit() error   { return nil }
func (fakeTx) Rollback() error { return nil }

type fakeStmt struct{}

func (fakeStmt) Close() error                               { return nil }
func (fakeStmt) NumInput() int                              { return -1 }
func (fakeStmt) Exec([]driver.Value) (driver.Result, error) { return driver.RowsAffected(0), nil }
func (fakeStmt) Query([]driver.Value) (driver.Rows, error)  { return &fakeRows{}, nil }

type fakeRows struct{ n int }

func (*fakeRows) Columns() []string { return []string{"n"} }
func (*fakeRows) Close() error      { return nil }
func (r *fakeRows) Next(dest []driver.Value) error {
	if r.n >= 2 {
		return io.EOF
	}
	r.n++
	dest[0] = int64(r.n)
	return nil
}
