package guard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

// Defaults of NewServer.
const (
	// DefaultReadHeaderTimeout bounds reading a request's headers
	// (slowloris).
	DefaultReadHeaderTimeout = 5 * time.Second
	// DefaultReadTimeout bounds reading a whole request, body included.
	DefaultReadTimeout = 30 * time.Second
	// DefaultWriteTimeout bounds writing a response.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultIdleTimeout bounds how long a keep-alive connection waits for
	// its next request.
	DefaultIdleTimeout = 120 * time.Second
	// DefaultMaxHeaderBytes bounds the size of a request's headers.
	DefaultMaxHeaderBytes = 1 << 20
)

// NewServer returns an http.Server for handler on addr with the timeouts a
// server facing the Internet needs: ReadHeaderTimeout 5s (slowloris),
// ReadTimeout 30s, WriteTimeout 30s, IdleTimeout 120s and MaxHeaderBytes
// 1 MiB. Change the fields of the result to adjust them; a streaming
// endpoint, for instance, needs WriteTimeout 0 or its own
// http.ResponseController deadlines.
//
// A nil handler answers 404 to everything; unlike http.Server's zero value
// it never serves http.DefaultServeMux, where packages such as
// net/http/pprof register themselves. With WithLogger, the server's
// ErrorLog writes to the logger at level Warn.
func NewServer(addr string, handler http.Handler, opts ...Option) *http.Server {
	cfg := newConfig(opts)
	if handler == nil {
		handler = http.NotFoundHandler()
	}
	srv := &http.Server{
		Addr:              addr,
		Handler:           handler,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout:       DefaultReadTimeout,
		WriteTimeout:      DefaultWriteTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		MaxHeaderBytes:    DefaultMaxHeaderBytes,
	}
	if cfg.logger != nil {
		srv.ErrorLog = slog.NewLogLogger(cfg.logger.Handler(), slog.LevelWarn)
	}
	return srv
}

// Serve runs srv until ctx ends or the process receives SIGINT or SIGTERM
// (WithSignals changes them), then shuts down in order:
//
//  1. The Readiness given with WithReadiness, if any, answers 503 from the
//     first moment; for the shutdown delay (WithShutdownDelay, default 5s)
//     the server goes on serving, new connections included, and every
//     HTTP/1 response carries "Connection: close". Load balancers and
//     Kubernetes endpoints stop sending new requests meanwhile, and
//     clients on keep-alive connections are told to reconnect (elsewhere)
//     rather than having an idle connection closed under a request they
//     are sending.
//  2. srv.Shutdown: the listener closes, idle connections close, and
//     in-flight requests get up to the drain timeout (WithDrainTimeout,
//     default 15s) to finish. When it expires, the base context of every
//     request is cancelled and the remaining connections are closed.
//  3. The Async given with WithAsync, if any, gets its own deadline
//     (WithAsyncDrainTimeout, default 10s) for the guard.Go work still
//     running; then that work is cancelled (see Async.Shutdown).
//
// Every request context derives from a base context that carries ctx's
// values and the Async, and that is cancelled once shutdown has drained or
// given up (an existing srv.BaseContext becomes its parent). With a
// shutdown delay, Serve also wraps srv.Handler (nil stays
// http.DefaultServeMux, as with http.Server) to add the Connection
// header. Serve listens on srv.Addr unless WithListener gives it a
// listener, and serves TLS when srv.TLSConfig holds certificates. After
// the first signal, signal handling is restored, so a second SIGINT stops
// the process at once, delay or not.
//
// Serve returns nil after a clean shutdown, and otherwise an error that
// says what failed: listening, serving, draining the connections in time,
// or draining the async work in time.
func Serve(ctx context.Context, srv *http.Server, opts ...Option) error {
	if srv == nil {
		return errors.New("guard: Serve: nil *http.Server")
	}
	if ctx == nil {
		ctx = context.Background()
	}
	cfg := newConfig(opts)
	if err := errors.Join(cfg.errs...); err != nil {
		return fmt.Errorf("guard: Serve: %w", err)
	}
	logger := cfg.loggerOrDefault()
	useTLS := srv.TLSConfig != nil && (len(srv.TLSConfig.Certificates) > 0 || srv.TLSConfig.GetCertificate != nil)

	ln := cfg.listener
	if ln == nil {
		addr := srv.Addr
		if addr == "" {
			addr = ":http"
			if useTLS {
				addr = ":https"
			}
		}
		var err error
		ln, err = net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("guard: Serve: listening on %s: %w", addr, err)
		}
	}
	addr := ln.Addr().String()

	stopCtx, stopSignals := ctx, func() {}
	sigs := cfg.signals
	if !cfg.signalsSet {
		sigs = []os.Signal{os.Interrupt, syscall.SIGTERM}
	}
	if len(sigs) > 0 {
		stopCtx, stopSignals = signal.NotifyContext(ctx, sigs...)
	}
	defer stopSignals()

	base, cancelBase := requestBase(ctx, srv.BaseContext, cfg.async)
	defer cancelBase()
	srv.BaseContext = base

	var draining atomic.Bool
	if cfg.shutdownDelay > 0 {
		next := srv.Handler
		if next == nil {
			next = http.DefaultServeMux // what http.Server serves for nil
		}
		srv.Handler = &drainHandler{next: next, draining: &draining}
	}
	defer cfg.readiness.set(false)

	errc := make(chan error, 1)
	go func() {
		var err error
		if useTLS {
			err = srv.ServeTLS(ln, "", "")
		} else {
			err = srv.Serve(ln)
		}
		errc <- err
	}()
	cfg.readiness.set(true)
	logger.InfoContext(ctx, "guard: serving", slog.String("addr", addr))

	var errs []error
	select {
	case err := <-errc:
		// The server stopped on its own: nothing to drain but async work.
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("guard: serving on %s: %w", addr, err))
		}
		cancelBase()
	case <-stopCtx.Done():
		stopSignals() // a second signal now ends the process
		cfg.readiness.set(false)
		cause := "context done"
		if ctx.Err() == nil {
			cause = "signal"
		}
		var serveErr error
		served := false // serveErr came in during the delay
		if d := cfg.shutdownDelay; d > 0 {
			draining.Store(true)
			logger.InfoContext(ctx, "guard: draining: readiness fails, responses close their connections; the listener closes after the shutdown delay",
				slog.String("addr", addr), slog.String("cause", cause), slog.Duration("shutdown_delay", d))
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case serveErr = <-errc:
				served = true
			}
			t.Stop()
		}
		logger.InfoContext(ctx, "guard: shutting down", slog.String("addr", addr),
			slog.String("cause", cause), slog.Duration("drain_timeout", cfg.drainTimeout))
		drainCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.drainTimeout)
		err := srv.Shutdown(drainCtx)
		cancel()
		if err != nil {
			logger.WarnContext(ctx, "guard: requests still running at the drain deadline; cancelling them and closing their connections",
				slog.String("addr", addr), slog.String("error", err.Error()))
			cancelBase()
			_ = srv.Close()
			errs = append(errs, fmt.Errorf("guard: draining requests on %s within %v: %w", addr, cfg.drainTimeout, err))
		}
		cancelBase()
		if !served {
			serveErr = <-errc
		}
		if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("guard: serving on %s: %w", addr, serveErr))
		}
	}

	if a := cfg.async; a != nil {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.asyncDrainTimeout)
		err := a.Shutdown(actx)
		cancel()
		if err != nil {
			logger.WarnContext(ctx, "guard: async work did not drain", slog.String("error", err.Error()))
			errs = append(errs, err)
		}
	}
	logger.InfoContext(ctx, "guard: stopped", slog.String("addr", addr))
	return errors.Join(errs...)
}

// requestBase returns the BaseContext function Serve installs and the
// function that cancels every context it has returned.
func requestBase(ctx context.Context, prev func(net.Listener) context.Context, a *Async) (func(net.Listener) context.Context, context.CancelFunc) {
	root, cancelRoot := context.WithCancel(context.WithoutCancel(ctx))
	if prev == nil {
		var base context.Context = root
		if a != nil {
			base = context.WithValue(root, asyncKey{}, a)
		}
		return func(net.Listener) context.Context { return base }, cancelRoot
	}
	// The user's base context is the parent; root's cancellation reaches
	// it through context.AfterFunc.
	fn := func(l net.Listener) context.Context {
		parent := prev(l)
		if parent == nil {
			parent = context.Background()
		}
		child, cancel := context.WithCancel(parent)
		_ = context.AfterFunc(root, cancel)
		if a != nil {
			return context.WithValue(child, asyncKey{}, a)
		}
		return child
	}
	return fn, cancelRoot
}
