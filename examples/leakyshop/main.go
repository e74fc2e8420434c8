// Command leakyshop is a small Gin shop that serves, beside each other, a
// leaking and a fixed route for every run-time leak of ginleak's seed
// document, for `ginleak soak` and `ginleak demo` to find. See README.md.
//
//	go run ./examples/leakyshop -addr 127.0.0.1:8080
//
// Once its listener is bound it prints exactly one line to standard output,
//
//	leakyshop listening on http://ADDR
//
// with the real address (so -addr 127.0.0.1:0 picks a free port and tells
// which). Everything else goes to standard error. SIGINT or SIGTERM shut it
// down gracefully.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ginleak/ginleak/examples/leakyshop/shop"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// shutdownGrace is how long in-flight requests get to finish at shutdown.
const shutdownGrace = 10 * time.Second

// run is main without the process: it serves until ctx ends, then shuts
// down. It returns the exit code: 0 after a clean shutdown, 2 for bad flags
// or an address it cannot listen on, 1 when serving fails.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("leakyshop", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (host:port; port 0 picks a free one)")
	// The heap profile samples one allocation per MemProfileRate bytes on
	// average (512 KiB by default). A leak of a few hundred bytes per request
	// then gets a sample only every few thousand requests, too few for a
	// short soak to name the line that leaks. 4096 samples small leaks
	// densely enough at a modest cost; GODEBUG=memprofilerate=N does the
	// same without a flag.
	memRate := fs.Int("memprofilerate", 4096, "runtime.MemProfileRate: bytes per heap profile sample (0 disables heap profiling)")
	viewCacheSize := fs.Int("view-cache-size", shop.DefaultViewCacheSize, "entries of the fixed product-view cache (/fixed/products/:id)")
	verbose := fs.Bool("v", false, "log debug lines (audit, mail) to standard error")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "leakyshop: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *memRate < 0 {
		fmt.Fprintln(stderr, "leakyshop: -memprofilerate must be 0 or more")
		return 2
	}
	if *viewCacheSize < 1 {
		fmt.Fprintln(stderr, "leakyshop: -view-cache-size must be 1 or more")
		return 2
	}
	// As early as possible: only allocations made after this are sampled at
	// the new rate.
	runtime.MemProfileRate = *memRate

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	gin.SetMode(gin.ReleaseMode)
	s := shop.New(shop.Options{Logger: logger, ViewCacheSize: *viewCacheSize})
	defer s.Close()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "leakyshop: listen on %s: %v\n", *addr, err)
		return 2
	}
	srv := &http.Server{
		Handler:           s.Router(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		// Longer than the longest pprof CPU profile or trace asked for.
		WriteTimeout:   2 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 1 << 20,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "leakyshop listening on http://%s\n", ln.Addr())

	select {
	case err := <-served:
		fmt.Fprintf(stderr, "leakyshop: serve: %v\n", err)
		return 1
	case <-ctx.Done():
	}
	logger.Info("shutting down", "grace", shutdownGrace)
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(stderr, "leakyshop: shutdown: %v\n", err)
		return 1
	}
	<-served // http.ErrServerClosed
	return 0
}
