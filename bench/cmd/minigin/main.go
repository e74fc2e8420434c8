// Command minigin is the target of bench/load.sh: a minimal Gin server on
// loopback with
//
//	GET /ping              answers "pong" (the throughput endpoint)
//	GET /leak?bytes=N      keeps N more bytes per request in a package-level
//	                       slice, for ever (the sensitivity endpoint)
//	GET /sleep?us=N        answers "ok" after sleeping N µs (at most 1 s) on
//	                       a kernel timer, leaving the core idle: a target
//	                       that is not saturated
//	/debug/pprof/...       net/http/pprof, on a private mux (not
//	                       http.DefaultServeMux), for ginleak soak
//
// Usage: minigin -addr 127.0.0.1:8080 [-memprofilerate 4096]
//
// It prints "listening on ADDR" once it accepts connections and stops on
// SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
)

// leakChunk is the size of the blocks the leak is kept in: appending to one
// big slice would make the live heap jump by its growth factor instead of
// growing by N bytes per request; 4 KiB blocks keep the growth smooth and
// exact (within a block) while the blocks' own headers cost under 1%.
const leakChunk = 4 << 10

var (
	leakMu sync.Mutex
	//ginleak:ignore globalcache the leak is the point: bench/load.sh measures soak's sensitivity with it
	leaked [][]byte // each block has cap leakChunk; only the last is filling
	zeros  [leakChunk]byte
)

// leak keeps n more bytes reachable from the package-level slice.
func leak(n int) {
	leakMu.Lock()
	defer leakMu.Unlock()
	for n > 0 {
		if len(leaked) == 0 || len(leaked[len(leaked)-1]) == leakChunk {
			leaked = append(leaked, make([]byte, 0, leakChunk))
		}
		last := &leaked[len(leaked)-1]
		k := min(n, leakChunk-len(*last))
		*last = append(*last, zeros[:k]...)
		n -= k
	}
}

func newRouter() *gin.Engine {
	r := gin.New() // no logger: the endpoint must be as cheap as possible
	r.GET("/ping", func(c *gin.Context) { c.String(http.StatusOK, "pong") })
	r.GET("/leak", func(c *gin.Context) {
		n, err := strconv.Atoi(c.DefaultQuery("bytes", "0"))
		if err != nil || n < 0 || n > 1<<20 {
			c.String(http.StatusBadRequest, "bytes: want an integer in [0, 1048576]")
			return
		}
		leak(n)
		c.String(http.StatusOK, "ok")
	})
	r.GET("/sleep", func(c *gin.Context) {
		us, err := strconv.Atoi(c.DefaultQuery("us", "0"))
		if err != nil || us < 0 || us > 1e6 {
			c.String(http.StatusBadRequest, "us: want an integer in [0, 1000000]")
			return
		}
		sleep(time.Duration(us) * time.Microsecond)
		c.String(http.StatusOK, "ok")
	})
	pp := http.NewServeMux()
	pp.HandleFunc("/debug/pprof/", pprof.Index)
	pp.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	pp.HandleFunc("/debug/pprof/profile", pprof.Profile)
	pp.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	pp.HandleFunc("/debug/pprof/trace", pprof.Trace)
	r.Any("/debug/pprof/*any", gin.WrapH(pp))
	return r
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen `address` (loopback)")
	rate := flag.Int("memprofilerate", 0, "set runtime.MemProfileRate to `BYTES` (0: keep the default, 512 KiB)")
	flag.Parse()
	if *rate > 0 {
		runtime.MemProfileRate = *rate
	}
	gin.SetMode(gin.ReleaseMode)

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "minigin:", err)
		os.Exit(2)
	}
	srv := &http.Server{Handler: newRouter(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Printf("listening on %s\n", ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "minigin:", err)
		os.Exit(1)
	}
}
