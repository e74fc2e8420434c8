package soak

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/ginleak/ginleak/soak/load"
	"github.com/ginleak/ginleak/soak/profdiff"
)

// probeTimeout bounds the checks before the load starts (name resolution,
// reaching the target, reading pprof or the metrics once), all together:
// an unreachable or unresponsive target fails within 5 s.
const probeTimeout = 4500 * time.Millisecond

// checkLoopback refuses a URL whose host is not a loopback address: a
// literal loopback IP (or the unspecified address, which reaches this
// host), "localhost" (or a name under .localhost), or a name that resolves
// only to loopback addresses. This up-front check gives a clear error
// before any traffic; the transports check again every address they dial
// (load.LoopbackOnly), in case the name resolves differently later.
func checkLoopback(ctx context.Context, what, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("%s %q: %w", what, rawURL, err)
	}
	return checkHost(ctx, what, rawURL, u.Hostname())
}

// checkHost is checkLoopback for host, the host of the URL shown (as the
// user wrote it, placeholders included).
func checkHost(ctx context.Context, what, shown, host string) error {
	refuse := func(detail string) error {
		return fmt.Errorf("refusing to load %s %s: %s is not a loopback address%s; soak only loads services on this machine unless you pass --allow-remote",
			what, shown, host, detail)
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() || ip.IsUnspecified() {
			return nil
		}
		return refuse("")
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return refuse(fmt.Sprintf(" (cannot resolve it: %v)", err))
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return refuse(fmt.Sprintf(" (it resolves to %s)", a.IP))
		}
	}
	if len(addrs) == 0 {
		return refuse(" (it resolves to nothing)")
	}
	return nil
}

// hostPort returns u's host:port, with the scheme's default port.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// probeTarget dials addr, failing within probeTimeout with a message that
// says how to start the service. Unless allowRemote, the address dialed
// must be loopback (load.LoopbackOnly).
func probeTarget(ctx context.Context, addr string, allowRemote bool) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	d := &net.Dialer{}
	if !allowRemote {
		d.Control = load.LoopbackOnly
	}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		if errors.Is(err, load.ErrNotLoopback) {
			return fmt.Errorf("target at %s: %w", addr, unwrapOp(err))
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %v", probeTimeout)
		}
		return fmt.Errorf("cannot reach the target at %s: %w\n"+
			"Is the service running and listening there? Start it first, for example\n"+
			"  go run ./examples/leakyshop -addr %s\n"+
			"or run your own service with its listen address set to %s, then run the soak again",
			addr, err, addr, addr)
	}
	return c.Close()
}

// pprofHelp shows how to mount pprof in a gin or net/http service.
const pprofHelp = `Mount pprof in the service (for testing: it exposes the process's internals), then run again.
  gin:
    import _ "net/http/pprof" // registers the handlers on http.DefaultServeMux
    r := gin.New()            // your engine
    r.GET("/debug/pprof/*any", gin.WrapH(http.DefaultServeMux))
  net/http:
    import _ "net/http/pprof" // enough if you serve http.DefaultServeMux
    mux := http.NewServeMux() // or, with your own mux:
    mux.Handle("/debug/pprof/", http.DefaultServeMux)
Or pass --pprof URL if pprof is served elsewhere, or --metrics URL to sample Prometheus metrics (no allocation sites then).`

// probePprof checks that base serves pprof: its debug=1 goroutine profile
// must answer within probeTimeout and look like one.
func (s *sampler) probePprof(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	u := s.pprof + "/goroutine?debug=1"
	var answered bool // a 200 answer that is not a goroutine profile
	err := s.get(ctx, u, func(r io.Reader) error {
		answered = true
		_, err := parseGoroutineTotal(u, r)
		return err
	})
	var se *statusError
	var re *redirectError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &re):
		return fmt.Errorf("pprof at %s redirects to %s: point --pprof at the target itself", s.pprof, re.location)
	case errors.As(err, &se) && se.code == 404:
		return fmt.Errorf("no pprof at %s (GET %s answered %s).\n%s", s.pprof, u, se.status, pprofHelp)
	case answered && !isValueError(err) && !errors.Is(err, profdiff.ErrTooLarge):
		return fmt.Errorf("pprof at %s: %w.\n%s", s.pprof, err, pprofHelp)
	}
	return probeError(ctx, "pprof", "--pprof", s.pprof, err)
}

// probeError explains why a probe of the target's pprof or metrics
// endpoint (what, set with flag, at base) failed, with the fix that
// applies to that failure: a protocol mismatch, a server that hangs up or
// hangs, a refused address. Mounting pprof is advised only by the caller,
// when the endpoint answered but is not pprof.
func probeError(ctx context.Context, what, flag, base string, err error) error {
	var se *statusError
	var rhe tls.RecordHeaderError
	switch {
	case errors.Is(err, load.ErrNotLoopback):
		return fmt.Errorf("%s at %s: %w", what, base, unwrapOp(err))
	case errors.Is(err, http.ErrSchemeMismatch) || errors.As(err, &rhe):
		return fmt.Errorf("%s at %s: the server speaks plain HTTP, not TLS: write http:// instead of https:// (in the target URL, or %s)", what, base, flag)
	case errors.As(err, &se) && se.code == http.StatusBadRequest && strings.Contains(se.body, "HTTPS server"):
		return fmt.Errorf("%s at %s: the server speaks TLS (HTTPS): write https:// instead of http:// (in the target URL, or %s)", what, base, flag)
	case errors.As(err, &se):
		return fmt.Errorf("%s at %s: %w", what, base, err)
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("%s at %s did not answer within %v: the port accepts connections but nothing answers HTTP there; is the service stuck, or is another program listening on that port?",
			what, base, probeTimeout)
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		// net/http's error for a connection closed before any answer is
		// unexported.
		strings.Contains(err.Error(), "server closed idle connection"):
		return fmt.Errorf("%s at %s: the server closed the connection without answering (%v): is an HTTP server listening on that port, "+
			"or does something in front of it (a proxy, a firewall, a TLS terminator) drop the requests?", what, base, unwrapOp(err))
	}
	return fmt.Errorf("%s at %s: %w", what, base, err)
}

// probeMetrics checks that the metrics URL serves the Go collector's
// metrics.
func (s *sampler) probeMetrics(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	_, err := s.sampleMetrics(ctx)
	var re *redirectError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &re):
		return fmt.Errorf("metrics at %s redirects to %s: point --metrics at the target itself", s.metrics, re.location)
	case isValueError(err):
		return err
	}
	return probeError(ctx, "metrics", "--metrics", s.metrics, err)
}

// unwrapOp returns the innermost error that says why a dial was refused,
// without the "dial tcp ADDR:" and "GET URL:" layers around it.
func unwrapOp(err error) error {
	for {
		var op *net.OpError
		if !errors.As(err, &op) {
			return err
		}
		err = op.Err
	}
}
