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
// which); with -bare-addr a second line follows,
//
//	leakyshop bare server listening on http://ADDR
//
// for the same router on a bare http.Server with no timeouts (the way
// r.Run() serves it), the leaky half of a server pair for `ginleak soak
// --slow-clients`. Everything else goes to standard error. It listens only on a
// loopback address (127.0.0.0/8, ::1, localhost) unless -allow-remote says
// otherwise: without -pprof-token its pprof and leak page answer anyone. It is served by
// guard.NewServer and guard.Serve (timeouts, graceful shutdown); SIGINT or
// SIGTERM shut it down: requests in flight get 10 s, then the background
// work of the fixed routes (guard.Go) gets 5 s. Idle, it exits at once.
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
	"net/netip"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ginleak/ginleak/examples/leakyshop/shop"
	"github.com/ginleak/ginleak/guard"
)

func main() {
	// The signals are caught from the start, so that one arriving before
	// the server runs still shuts it down cleanly; after the first, the
	// default action is back and a second Ctrl-C ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const (
	// drainTimeout is how long in-flight requests get to finish at shutdown.
	drainTimeout = 10 * time.Second
	// asyncDrainTimeout is how long the shop's background work (guard.Go)
	// then gets before it is cancelled; it is bounded by 50 ms anyway.
	asyncDrainTimeout = 5 * time.Second
	// writeTimeout is longer than the longest pprof CPU profile or trace
	// asked for (net/http/pprof refuses ?seconds= at or above the server's
	// WriteTimeout; guard's default is 30 s).
	writeTimeout = 2 * time.Minute
)

// run is main without the process: it serves until ctx ends, then shuts
// down. It returns the exit code: 0 after a clean shutdown, 2 for bad flags
// or an address it cannot listen on, 1 when serving or shutting down fails.
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
	inventoryURL := fs.String("inventory-url", "", "base URL of the inventory service the /…/stock routes call (case 6; default: none, they answer the default stock)")
	pprofToken := fs.String("pprof-token", "", "serve /debug/pprof and /debug/leaks only with \"Authorization: Bearer TOKEN\" (default: $LEAKYSHOP_PPROF_TOKEN; unset: no authentication, as ginleak soak needs)")
	allowRemote := fs.Bool("allow-remote", false, "allow an -addr that is not loopback (0.0.0.0, :8080, a LAN address): the leaky routes, /metrics and, without -pprof-token, pprof and /debug/leaks then answer anyone who can reach it")
	bareAddr := fs.String("bare-addr", "", "also serve the shop on this address with a bare http.Server: no ReadHeaderTimeout or any other timeout, as r.Run() does (the leaky side of the slow-clients check; loopback only unless -allow-remote)")
	env := fs.String("env", "test", "guard.Config environment: prod, staging or test (settings: defaults < profile < $GINLEAK_* variables; see docs/guard.md)")
	verbose := fs.Bool("v", false, "log debug lines (audit, mail) and one access log line per /fixed request to standard error")
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
	if *pprofToken == "" {
		*pprofToken = os.Getenv("LEAKYSHOP_PPROF_TOKEN")
	}
	if *pprofToken != "" {
		if _, err := guard.BearerAuth(*pprofToken); err != nil {
			fmt.Fprintf(stderr, "leakyshop: -pprof-token: %v\n", err)
			return 2
		}
	}
	listenAddrs := []struct{ flag, addr string }{{"-addr", *addr}}
	if *bareAddr != "" {
		listenAddrs = append(listenAddrs, struct{ flag, addr string }{"-bare-addr", *bareAddr})
	}
	for _, a := range listenAddrs {
		if err := checkListenAddr(a.addr); err != nil {
			if !*allowRemote {
				fmt.Fprintf(stderr, "leakyshop: %s %s: %v; leakyshop serves this machine only unless you pass -allow-remote\n", a.flag, a.addr, err)
				return 2
			}
			if *pprofToken == "" {
				fmt.Fprintf(stderr, "leakyshop: WARNING: -allow-remote without -pprof-token: /debug/pprof and /debug/leaks on %s answer anyone who can reach it\n", a.addr)
			}
		}
	}
	// The server's settings come from guard.Config: leakyshop's own test
	// profile (a write timeout longer than any pprof profile, no shutdown
	// delay: no load balancer, and `ginleak demo` gives an idle shop 2 s to
	// exit), prod or staging, overridden by GINLEAK_* variables.
	cfg, err := guard.LoadConfig(guard.WithEnvironment(*env), guard.WithProfile("test", map[string]any{
		"log.level": "debug", "server.write_timeout": writeTimeout.String(),
		"server.drain_timeout": drainTimeout.String(), "server.shutdown_delay": "0s",
	}))
	if err != nil {
		fmt.Fprintf(stderr, "leakyshop: -env %s: %v\n", *env, err)
		return 2
	}
	if *verbose {
		_ = cfg.Explain(stderr)
	}
	// As early as possible: only allocations made after this are sampled at
	// the new rate.
	runtime.MemProfileRate = *memRate

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	opts := shop.Options{Logger: logger, ViewCacheSize: *viewCacheSize, PprofToken: *pprofToken, InventoryURL: *inventoryURL}
	if *verbose {
		opts.AccessLog = logger
	}

	gin.SetMode(gin.ReleaseMode)
	s, err := shop.New(opts)
	if err != nil {
		fmt.Fprintf(stderr, "leakyshop: %v\n", err)
		return 1
	}
	defer s.Close()

	ln, code := listen("-addr", *addr, *allowRemote, stderr)
	if ln == nil {
		return code
	}
	var bareLn net.Listener
	if *bareAddr != "" {
		if bareLn, code = listen("-bare-addr", *bareAddr, *allowRemote, stderr); bareLn == nil {
			ln.Close()
			return code
		}
	}
	// guard.NewServer with the configuration's timeouts (by default
	// ReadHeaderTimeout 5 s, ReadTimeout 30 s, IdleTimeout 2 min,
	// MaxHeaderBytes 1 MiB), the server's errors to the logger — not
	// r.Run(), which has no timeouts and no graceful shutdown.
	srv := cfg.NewServer(ln.Addr().String(), s.Router(), guard.WithLogger(logger))
	fmt.Fprintf(stdout, "leakyshop listening on http://%s\n", ln.Addr())
	if bareLn != nil {
		bare := serveBare(bareLn, s.Router(), logger)
		defer bare()
		fmt.Fprintf(stdout, "leakyshop bare server listening on http://%s\n", bareLn.Addr())
	}

	// guard.Serve runs until ctx ends (main cancels it on SIGINT or
	// SIGTERM, so Serve's own signal handling is off), then drains the
	// requests in flight and the shop's guard.Go work.
	stopped := context.AfterFunc(ctx, func() {
		logger.Info("leakyshop: stopping", "cause", context.Cause(ctx).Error())
	})
	defer stopped()
	if err := guard.Serve(ctx, srv, append(cfg.ServeOptions(),
		guard.WithListener(ln),
		guard.WithAsync(s.Async()),
		guard.WithLogger(logger),
		guard.WithSignals(),
		guard.WithAsyncDrainTimeout(asyncDrainTimeout),
	)...); err != nil {
		fmt.Fprintf(stderr, "leakyshop: %v\n", err)
		return 1
	}
	return 0
}

// listen binds addr (given as flag) and, unless allowRemote, checks what
// it bound: "localhost" was resolved by Listen. On failure it has said why
// and returns nil and the exit code.
func listen(flag, addr string, allowRemote bool, stderr io.Writer) (net.Listener, int) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "leakyshop: listen on %s: %v\n", addr, err)
		return nil, 2
	}
	if !allowRemote {
		if err := checkListenAddr(ln.Addr().String()); err != nil {
			ln.Close()
			fmt.Fprintf(stderr, "leakyshop: %s %s bound %s: %v; leakyshop serves this machine only unless you pass -allow-remote\n", flag, addr, ln.Addr(), err)
			return nil, 2
		}
	}
	return ln, 0
}

// serveBare serves h on ln the way r.Run() does: an http.Server with no
// timeout at all, so a client that never finishes its headers holds its
// connection (and the server's goroutine and buffers for it) for as long
// as it likes. It is the leaky side of the slow-clients pair; the main
// listener is the fixed side. The returned function closes it at once:
// r.Run() has no graceful shutdown either.
func serveBare(ln net.Listener, h http.Handler, logger *slog.Logger) (stop func()) {
	// ginleak vet's servertimeout rule reports this line: that is the point.
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("leakyshop: bare server", "err", err)
		}
	}()
	return func() {
		srv.Close()
		<-done
	}
}

// checkListenAddr accepts a host:port whose host is a loopback IP address
// or "localhost", and explains why any other is refused. It only parses:
// nothing is resolved, bound or sent.
func checkListenAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("not host:port: %w", err)
	}
	if host == "" {
		return errors.New("an empty host listens on every interface")
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%q is not an IP address or localhost, so it may not be loopback", host)
	}
	ip = ip.Unmap()
	switch {
	case ip.IsUnspecified():
		return fmt.Errorf("%s listens on every interface", ip)
	case !ip.IsLoopback():
		return fmt.Errorf("%s is not a loopback address", ip)
	}
	return nil
}
