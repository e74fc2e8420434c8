package soak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/ginleak/ginleak/soak/load"
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
	err := s.get(ctx, u, func(r io.Reader) error {
		_, err := parseGoroutineTotal(r)
		return err
	})
	var se *statusError
	var re *redirectError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, load.ErrNotLoopback):
		return fmt.Errorf("pprof at %s: %w", s.pprof, unwrapOp(err))
	case errors.As(err, &re):
		return fmt.Errorf("pprof at %s redirects to %s: point --pprof at the target itself", s.pprof, re.location)
	case errors.As(err, &se) && se.code == 404:
		return fmt.Errorf("no pprof at %s (GET %s answered %s).\n%s", s.pprof, u, se.status, pprofHelp)
	case errors.As(err, &se):
		return fmt.Errorf("pprof at %s: %w", s.pprof, err)
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("pprof at %s did not answer within %v: the port accepts connections but nothing answers HTTP there; is the service stuck, or is another program listening on that port?",
			s.pprof, probeTimeout)
	default:
		return fmt.Errorf("pprof at %s: %w.\n%s", s.pprof, err, pprofHelp)
	}
}

// probeMetrics checks that the metrics URL serves the Go collector's
// metrics.
func (s *sampler) probeMetrics(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	_, _, err := s.sampleMetrics(ctx)
	var re *redirectError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, load.ErrNotLoopback):
		return fmt.Errorf("metrics at %s: %w", s.metrics, unwrapOp(err))
	case errors.As(err, &re):
		return fmt.Errorf("metrics at %s redirects to %s: point --metrics at the target itself", s.metrics, re.location)
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("metrics at %s did not answer within %v: the port accepts connections but nothing answers HTTP there; is the service stuck, or is another program listening on that port?",
			s.metrics, probeTimeout)
	}
	return fmt.Errorf("metrics at %s: %w", s.metrics, err)
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
