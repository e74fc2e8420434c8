package diagnose

// Kind says which stacks a rule reads.
type Kind string

// The kinds of stacks.
const (
	KindGoroutine Kind = "goroutine" // a goroutine's stack, innermost first
	KindHeap      Kind = "heap"      // an allocation's stack, innermost first
)

// DocPage is the page every rule's section is in.
const DocPage = "docs/known-leaks.md"

// Rule is one row of the table: which stacks, what they mean, what to do.
type Rule struct {
	ID   string // stable; the anchor of its section in DocPage
	Kind Kind
	// Functions: a goroutine matches when one of its frames is one of
	// them (or a closure inside one); an allocation matches when the
	// library function its user frame called is one of them. Empty for
	// rules on the wait state alone.
	Functions []string
	// States: a goroutine matches only in one of these wait states
	// ("select", "chan send", ...); empty for any state.
	States []string
	// NotStates: a goroutine in one of these states does not match.
	NotStates []string
	Cause     string // what the stack means, one line
	Fix       string // what to change, one line
	// Entries are the library functions whose caller, in a heap stack,
	// is the user's frame that caused these stacks (see WithCallerFrom).
	Entries []string
}

// httpClientEntries are the calls that send an HTTP client request.
var httpClientEntries = []string{
	"net/http.Get", "net/http.Head", "net/http.Post", "net/http.PostForm",
	"net/http.(*Client).Do", "net/http.(*Client).Get", "net/http.(*Client).Head",
	"net/http.(*Client).Post", "net/http.(*Client).PostForm",
	"net/http.(*Transport).RoundTrip",
}

var sqlOpenEntries = []string{"database/sql.Open", "database/sql.OpenDB"}

var sqlQueryEntries = []string{
	"database/sql.(*DB).Begin", "database/sql.(*DB).BeginTx",
	"database/sql.(*DB).Query", "database/sql.(*DB).QueryContext",
	"database/sql.(*Tx).Query", "database/sql.(*Tx).QueryContext",
	"database/sql.(*Conn).QueryContext", "database/sql.(*Conn).BeginTx",
	"database/sql.(*Stmt).Query", "database/sql.(*Stmt).QueryContext",
}

var contextEntries = []string{
	"context.WithCancel", "context.WithCancelCause", "context.WithTimeout",
	"context.WithTimeoutCause", "context.WithDeadline", "context.WithDeadlineCause",
	"context.AfterFunc",
}

var timerEntries = []string{
	"time.NewTimer", "time.After", "time.AfterFunc", "time.NewTicker", "time.Tick",
}

// lockStates are the wait states of sync primitives.
var lockStates = []string{
	"sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock",
	"sync.WaitGroup.Wait", "sync.Cond.Wait", "semacquire",
}

// rules is the table, in the order they are tried: library stacks first,
// then the server's own, then wait states alone.
var rules = []Rule{
	{
		ID: "http-request-no-timeout", Kind: KindGoroutine,
		Functions: []string{"net/http.(*persistConn).roundTrip", "net/http.(*http2ClientConn).RoundTrip",
			"golang.org/x/net/http2.(*ClientConn).RoundTrip"},
		Cause:   "HTTP client requests still waiting for an answer: the call has no timeout and no deadline on its context, so a slow or hung dependency holds a goroutine and a connection per request",
		Fix:     "give the call a bound: an http.Client with Timeout, or the request's own context with a deadline (guard.NewClient and guard.Outbound(c) do both)",
		Entries: httpClientEntries,
	},
	{
		ID: "http-body-not-closed", Kind: KindGoroutine,
		Functions: []string{"net/http.(*persistConn).readLoop"},
		NotStates: []string{"IO wait"},
		Cause:     "HTTP client responses whose body is never closed: each keeps its connection and two goroutines",
		Fix:       "defer resp.Body.Close() right after the error check of every request, on every path (also when the status is not 200)",
		Entries:   httpClientEntries,
	},
	{
		ID: "http-idle-connections", Kind: KindGoroutine,
		Functions: []string{"net/http.(*persistConn).readLoop"},
		States:    []string{"IO wait"},
		Cause:     "connections waiting to read: idle keep-alive connections piling up (an http.Transport created per request, never reused or closed), or, beside http-request-no-timeout goroutines, responses a hung dependency never sends",
		Fix:       "create one http.Client (and Transport) at startup and share it; if you must create one, call CloseIdleConnections when done",
		Entries:   httpClientEntries,
	},
	{
		ID: "http-client-connections", Kind: KindGoroutine,
		Functions: []string{
			"net/http.(*persistConn).writeLoop",
			"net/http.(*http2ClientConn).readLoop", "net/http.(*http2clientConnReadLoop).run",
			"golang.org/x/net/http2.(*ClientConn).readLoop", "golang.org/x/net/http2.(*clientConnReadLoop).run",
		},
		Cause:   "HTTP client connections kept open: response bodies never closed, or a Transport created per request (see the readLoop goroutines beside these)",
		Fix:     "close every response body (defer resp.Body.Close()) and share one http.Client",
		Entries: httpClientEntries,
	},
	{
		ID: "sql-db-per-request", Kind: KindGoroutine,
		Functions: []string{"database/sql.(*DB).connectionOpener", "database/sql.(*DB).connectionCleaner", "database/sql.(*DB).connectionResetter"},
		Cause:     "a sql.DB opened per request (sql.Open) and never closed: each has its own pool and opener goroutine",
		Fix:       "open the sql.DB once at startup and share it (it is a pool, safe for concurrent use); never sql.Open in a handler",
		Entries:   sqlOpenEntries,
	},
	{
		ID: "sql-tx-not-ended", Kind: KindGoroutine,
		Functions: []string{"database/sql.(*Tx).awaitDone"},
		Cause:     "database transactions never committed or rolled back: each holds a connection",
		Fix:       "defer tx.Rollback() right after Begin (it is a no-op after Commit), so every path ends the transaction",
		Entries:   sqlQueryEntries,
	},
	{
		ID: "sql-rows-not-closed", Kind: KindGoroutine,
		Functions: []string{"database/sql.(*Rows).awaitDone"},
		Cause:     "query results (sql.Rows) never closed: each holds a connection until its context ends",
		Fix:       "defer rows.Close() right after the error check of Query, and check rows.Err() after the loop",
		Entries:   sqlQueryEntries,
	},
	{
		ID: "context-not-cancelled", Kind: KindGoroutine,
		Functions: []string{"context.(*cancelCtx).propagateCancel", "context.propagateCancel"},
		Cause:     "contexts from context.WithCancel/WithTimeout never cancelled, under a parent that is not a context of package context (a framework's context): each waits in a goroutine for its parent",
		Fix:       "defer cancel() right after every context.WithCancel, WithTimeout and WithDeadline; derive from c.Request.Context() rather than from a framework context",
		Entries:   contextEntries,
	},
	{
		ID: "io-pipe-not-closed", Kind: KindGoroutine,
		Functions: []string{"io.(*pipe).read", "io.(*pipe).write"},
		Cause:     "an io.Pipe whose other end is never closed: the writer (or reader) waits forever once its partner gave up",
		Fix:       "close the PipeReader with CloseWithError when the consumer stops early, and the PipeWriter (CloseWithError on failure) when the producer ends",
	},
	{
		ID: "handler-blocked", Kind: KindGoroutine,
		Functions: []string{"net/http.serverHandler.ServeHTTP"},
		NotStates: []string{"running", "runnable", "syscall"},
		Cause:     "requests that never finish: the handler is blocked, and each keeps its goroutine and connection",
		Fix:       "bound every wait in the handler with the request's context (c.Request.Context(), r.Context()) and a timeout; the first frame of yours in the stack is where it waits",
	},
	{
		ID: "server-connections-held", Kind: KindGoroutine,
		Functions: []string{"net/http.(*conn).serve"},
		States:    []string{"IO wait"},
		Cause:     "server connections held open between requests: clients that keep connections alive or send slowly, and no timeout closes them",
		Fix:       "set http.Server.ReadHeaderTimeout and IdleTimeout (guard.NewServer sets both)",
	},
	{
		ID: "sleeping", Kind: KindGoroutine,
		Functions: []string{"time.Sleep"},
		Cause:     "goroutines sleeping: a per-request goroutine with a time.Sleep (a retry or poll loop) that does not watch its context",
		Fix:       "wait with select on ctx.Done() and a time.Timer instead of time.Sleep, and bound the retries",
	},
	{
		ID: "nil-channel", Kind: KindGoroutine,
		States: []string{"chan send (nil chan)", "chan receive (nil chan)"},
		Cause:  "goroutines blocked forever on a nil channel (a channel field or variable never made)",
		Fix:    "make the channel before starting the goroutine, or leave a nil channel only in a select that has other cases",
	},
	{
		ID: "forgotten-sender", Kind: KindGoroutine,
		States: []string{"chan send"},
		Cause:  "goroutines blocked sending on a channel nobody receives from any more: the receiver returned early (a timeout, an error path, a client that left)",
		Fix:    "give the channel a buffer of 1 when it carries one result, or send in a select with case <-ctx.Done()",
	},
	{
		ID: "forgotten-receiver", Kind: KindGoroutine,
		States: []string{"chan receive"},
		Cause:  "goroutines blocked receiving from a channel nobody sends on or closes (a range over a channel that is never closed, a result never sent on an error path)",
		Fix:    "close the channel when the sending side is done, and receive in a select with case <-ctx.Done()",
	},
	{
		ID: "select-forever", Kind: KindGoroutine,
		States: []string{"select (no cases)"},
		Cause:  "goroutines parked forever in an empty select {}",
		Fix:    "wait on something that ends: ctx.Done(), a channel that is closed on shutdown",
	},
	{
		ID: "lock-never-released", Kind: KindGoroutine,
		States: lockStates,
		Cause:  "goroutines waiting for a lock or a WaitGroup that is never released: a missing Unlock or Done on an error or early-return path",
		Fix:    "defer mu.Unlock() right after Lock, and defer wg.Done() first thing in each goroutine the WaitGroup counts",
	},

	{
		ID: "http-body-not-closed", Kind: KindHeap,
		Functions: httpClientEntries,
		Cause:     "memory held by HTTP client requests: response bodies never closed keep the request, the response and the connection's buffers",
		Fix:       "defer resp.Body.Close() right after the error check of every request, on every path",
		Entries:   httpClientEntries,
	},
	{
		ID: "sql-db-per-request", Kind: KindHeap,
		Functions: sqlOpenEntries,
		Cause:     "memory held by sql.DB pools opened per request and never closed",
		Fix:       "open the sql.DB once at startup and share it",
		Entries:   sqlOpenEntries,
	},
	{
		ID: "context-not-cancelled", Kind: KindHeap,
		Functions: contextEntries,
		Cause:     "contexts never cancelled under a long-lived parent: each stays in its parent's list of children (and a WithTimeout keeps its timer) until the parent ends",
		Fix:       "defer cancel() right after every context.WithCancel, WithTimeout and WithDeadline",
		Entries:   contextEntries,
	},
	{
		ID: "timer-retained", Kind: KindHeap,
		Functions: timerEntries,
		Cause:     "timers or tickers that stay referenced: a time.Ticker never stopped, or timers kept in a map, a slice or a long-lived struct",
		Fix:       "defer t.Stop() (ticker.Stop()) where the timer is made, and drop references to timers you are done with",
		Entries:   timerEntries,
	},
}

// Rules returns the table, in the order rules are tried.
func Rules() []Rule {
	out := make([]Rule, len(rules))
	copy(out, rules)
	return out
}
