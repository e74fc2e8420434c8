package a

import (
	"context"
	"log"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/errgroup"
)

func work(ctx context.Context)             {}
func useGin(c *gin.Context)                {}
func useAny(v any)                         {}
func useString(s string)                   {}
func useReq(ctx context.Context, s string) {}

type job struct {
	C  *gin.Context
	ID string
}

// ---- positives: goroutines ----

func goLiteral(c *gin.Context) {
	go func() { // want `\*gin\.Context c is used by a goroutine`
		log.Println(c.Query("x"))
	}()
}

func goArg(c *gin.Context) {
	go useGin(c) // want `\*gin\.Context c is passed to a goroutine`
}

func goArgContextParam(c *gin.Context) {
	go work(c) // want `\*gin\.Context c is passed to a goroutine`
}

func goArgAny(c *gin.Context) {
	go useAny(any(c)) // want `\*gin\.Context c is passed to a goroutine`
}

func goArgComposite(c *gin.Context) {
	go useAny(&job{C: c, ID: c.Query("id")}) // want `\*gin\.Context c is passed to a goroutine`
}

func goMethodValue(c *gin.Context) {
	go c.JSON(200, nil) // want `\*gin\.Context c is passed to a goroutine`
}

func goLiteralReadsRequest(c *gin.Context) {
	go func() { // want `\*gin\.Context c is used by a goroutine`
		work(c.Request.Context()) // c.Request is read after the handler returned
	}()
}

func goLiteralCopiesTooLate(c *gin.Context) {
	go func() { // want `\*gin\.Context c is used by a goroutine`
		cp := c.Copy() // Copy runs concurrently with the next request
		useGin(cp)
	}()
}

func afterFunc(c *gin.Context) {
	time.AfterFunc(time.Second, func() { // want `\*gin\.Context c is used by a time\.AfterFunc callback that can run after the request ends`
		c.JSON(200, nil)
	})
}

func afterFuncMethodValue(c *gin.Context) *time.Timer {
	return time.AfterFunc(time.Second, c.Abort) // want `\*gin\.Context c is used by a time\.AfterFunc callback`
}

func errgroupNotWaited(c *gin.Context) {
	var g errgroup.Group
	g.Go(func() error { // want `\*gin\.Context c is used by a goroutine`
		useGin(c)
		return nil
	})
}

func waitGroupGoNotWaited(c *gin.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { useGin(c) }) // want `\*gin\.Context c is used by a goroutine`
}

func twoContexts(c, d *gin.Context) {
	go func() { // want `\*gin\.Context values c and d are used by a goroutine`
		useGin(c)
		useGin(d)
	}()
}

// A select that can return before the Wait does not wait.
func selectReturns(c *gin.Context, done <-chan struct{}) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // want `\*gin\.Context c is used by a goroutine`
		defer wg.Done()
		useGin(c)
	}()
	select {
	case <-done:
		return
	case <-c.Done():
	}
	wg.Wait()
}

// An early return between the go statement and the Wait.
func returnBeforeWait(c *gin.Context, fail bool) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // want `\*gin\.Context c is used by a goroutine`
		defer wg.Done()
		useGin(c)
	}()
	if fail {
		c.AbortWithStatus(500)
		return
	}
	wg.Wait()
}

// A Wait inside a branch is not reached on every path.
func waitInBranch(c *gin.Context, ok bool) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // want `\*gin\.Context c is used by a goroutine`
		defer wg.Done()
		useGin(c)
	}()
	if ok {
		wg.Wait()
	}
}

// A return earlier in the loop runs after a previous iteration's goroutine.
func loopReturn(c *gin.Context, items []string) {
	var wg sync.WaitGroup
	for _, it := range items {
		if it == "" {
			return
		}
		wg.Add(1)
		go func() { // want `\*gin\.Context c is used by a goroutine`
			defer wg.Done()
			useReq(c, it)
		}()
	}
	wg.Wait()
}

// A timeout select that gives up on the result: the goroutine keeps c.
func timeoutSelect(c *gin.Context) {
	res := make(chan string, 1)
	go func() { // want `\*gin\.Context c is used by a goroutine`
		res <- c.Query("q")
	}()
	select {
	case r := <-res:
		c.String(200, r)
	case <-time.After(time.Second):
		c.Status(504)
	}
}

// A variable reassigned from the original context is no copy.
func reassignedCopy(c *gin.Context) {
	cp := c.Copy()
	cp = c
	go useGin(cp) // want `\*gin\.Context cp is passed to a goroutine`
}

// ---- positives: stores and sends ----

var current *gin.Context
var byID = map[string]*gin.Context{}
var recent []*gin.Context
var holder struct{ ctx *gin.Context }

func storeGlobal(c *gin.Context) {
	current = c // want `\*gin\.Context c is stored in package-level variable current, which outlives the request; gin reuses the context for the next request — store c\.Copy\(\) or the values it needs`
}

func storeGlobalMap(c *gin.Context) {
	byID[c.Param("id")] = c // want `\*gin\.Context c is stored in byID\[c\.Param\("id"\)\], part of package-level variable byID`
}

func storeGlobalAppend(c *gin.Context) {
	recent = append(recent, c) // want `\*gin\.Context c is stored in package-level variable recent`
}

func storeGlobalField(c *gin.Context) {
	holder.ctx = c // want `\*gin\.Context c is stored in holder\.ctx, part of package-level variable holder`
}

type Server struct {
	last  *gin.Context
	jobs  []job
	state *state
}

type state struct{ ctx *gin.Context }

func (s *Server) handle(c *gin.Context) {
	s.last = c // want `\*gin\.Context c is stored in s\.last through receiver s, which outlives the request`
}

func (s *Server) handleJob(c *gin.Context) {
	s.jobs[0] = job{C: c} // want `\*gin\.Context c is stored in s\.jobs\[0\] through receiver s`
}

// A value receiver is a copy, but the struct it points to is shared.
func (s Server) handleState(c *gin.Context) {
	s.state.ctx = c // want `\*gin\.Context c is stored in s\.state\.ctx through receiver s`
}

func register(r *gin.Engine) {
	var last *gin.Context
	st := &state{}
	r.GET("/a", func(c *gin.Context) {
		last = c // want `\*gin\.Context c is stored in variable last captured from outside the handler`
	})
	r.GET("/b", func(c *gin.Context) {
		st.ctx = c // want `\*gin\.Context c is stored in st\.ctx, part of variable st captured from outside the handler`
	})
	_ = last
}

func storeClosure(c *gin.Context) {
	hook = func() { c.Next() } // want `\*gin\.Context c is stored in package-level variable hook`
}

var hook func()

func sendCtx(c *gin.Context, ch chan<- *gin.Context) {
	ch <- c // want `\*gin\.Context c is sent on a channel and can outlive the request; gin reuses the context for the next request — send c\.Copy\(\) or the values it needs`
}

func sendJob(c *gin.Context, ch chan job) {
	select {
	case ch <- job{C: c}: // want `\*gin\.Context c is sent on a channel`
	default:
	}
}

// ---- negatives ----

func copyFirst(c *gin.Context) {
	cCp := c.Copy()
	go func() {
		useGin(cCp)
	}()
	go useGin(cCp)
	time.AfterFunc(time.Second, func() { cCp.JSON(200, nil) })
	current = cCp
	current = c.Copy()
}

func copyVar(c *gin.Context) {
	var cp = c.Copy()
	cp2 := cp
	go useGin(cp2)
}

func extractedBefore(c *gin.Context) {
	id := c.Param("id")
	ctx := c.Request.Context()
	go func() {
		useReq(ctx, id)
	}()
}

func evaluatedArgs(c *gin.Context) {
	go useString(c.Query("x"))
	go work(c.Request.Context())
	go useGin(c.Copy())
	go func(c *gin.Context) { useGin(c) }(c.Copy())
	go c.Copy().JSON(200, nil)
	go c.Request.Body.Close()
}

func waitGroupWaited(c *gin.Context) {
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			useGin(c)
		}()
	}
	wg.Wait()
	c.Status(200)
}

func errgroupWaited(c *gin.Context) error {
	g, ctx := errgroup.WithContext(c)
	g.Go(func() error {
		work(ctx)
		useGin(c)
		return nil
	})
	go func() {
		useGin(c)
	}()
	if err := g.Wait(); err != nil {
		return err
	}
	return nil
}

func errgroupReturnWait(c *gin.Context) error {
	var g errgroup.Group
	g.Go(func() error { useGin(c); return nil })
	return g.Wait()
}

func deferredWait(c *gin.Context, fail bool) {
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(1)
	go func() {
		defer wg.Done()
		useGin(c)
	}()
	if fail {
		return
	}
}

func waitGroupGoWaited(c *gin.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { useGin(c) })
	wg.Wait()
}

func returnBeforeGo(c *gin.Context, fail bool) {
	var wg sync.WaitGroup
	if fail {
		return
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		useGin(c)
	}()
	wg.Wait()
}

func channelJoin(c *gin.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		useGin(c)
	}()
	<-done
}

func channelResult(c *gin.Context) {
	res := make(chan string)
	go func() { res <- c.Query("q") }()
	r := <-res
	c.String(200, r)
}

func deferClosure(c *gin.Context) {
	start := time.Now()
	defer func() {
		log.Println(c.FullPath(), time.Since(start))
	}()
}

type Env struct {
	*gin.Context
	user string
}

// Value receivers are per-call copies: e.Context = c is fine.
func (e Env) Handle(c *gin.Context) { // want Handle:`ginctx\(param 0: use c at a\.go:382\)`
	e.Context = c
	e.user = c.GetString("user")
}

func storeLocal(c *gin.Context) {
	var saved *gin.Context
	j := job{}
	j.C = c
	saved = c
	p := &job{}
	p.C = c
	_, _ = saved, p
}

func storeParam(dst *job, c *gin.Context) {
	dst.C = c // a pointer parameter is not known to outlive the call
}

func sendValue(c *gin.Context, ch chan string) {
	ch <- c.Query("q")
	ch <- c.Copy().Query("q")
}

func sendCopy(c *gin.Context, ch chan *gin.Context) {
	ch <- c.Copy()
}

func registerSafe(r *gin.Engine) {
	var lastPath string
	r.GET("/a", func(c *gin.Context) {
		lastPath = c.FullPath()
	})
	_ = lastPath
}

func goroutineOwnsContext() {
	go func() {
		var c *gin.Context
		useGin(c)
	}()
}

// The goroutine's own parameter shadows the outer c.
func shadowed(c *gin.Context) {
	go func(c *gin.Context) {
		useGin(c)
	}(c.Copy())
}

// Suppressed with a reason.
func suppressed(c *gin.Context) {
	//ginleak:ignore ctxescape the caller blocks until the goroutine reports back
	go useGin(c)
	c.Status(200)
	go useGin(c) //ginleak:ignore GL1001 same
}

// A directive without a reason silences nothing.
func suppressedNoReason(c *gin.Context) {
	//ginleak:ignore ctxescape
	go useGin(c) // want `\*gin\.Context c is passed to a goroutine`
}

// gin's own test idiom: the parameter is replaced by its copy.
func paramReplacedByCopy(ginctx *gin.Context) {
	ginctx = ginctx.Copy()
	go func() {
		work(ginctx)
	}()
}
