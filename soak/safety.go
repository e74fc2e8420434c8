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
)

// probeTimeout bounds the check that the target is reachable.
const probeTimeout = 5 * time.Second

// checkLoopback refuses a URL whose host is not a loopback address: a
// literal loopback IP (or the unspecified address, which reaches this
// host), "localhost" (or a name under .localhost), or a name that resolves
// only to loopback addresses.
func checkLoopback(ctx context.Context, what, rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return fmt.Errorf("%s %q: %w", what, rawURL, err)
	}
	host := u.Hostname()
	refuse := func(detail string) error {
		return fmt.Errorf("refusing to load %s %s: %s is not a loopback address%s; soak only loads services on this machine unless you pass --allow-remote",
			what, rawURL, host, detail)
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
// says how to start the service.
func probeTarget(ctx context.Context, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
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
	url := s.pprof + "/goroutine?debug=1"
	err := s.get(ctx, url, func(r io.Reader) error {
		_, err := parseGoroutineTotal(r)
		return err
	})
	var se *statusError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && se.code == 404:
		return fmt.Errorf("no pprof at %s (GET %s answered %s).\n%s", s.pprof, url, se.status, pprofHelp)
	case errors.As(err, &se):
		return fmt.Errorf("pprof at %s: %w", s.pprof, err)
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("pprof at %s: no answer within %v: %w", s.pprof, probeTimeout, err)
	default:
		return fmt.Errorf("pprof at %s: %w.\n%s", s.pprof, err, pprofHelp)
	}
}

// probeMetrics checks that the metrics URL serves the Go collector's
// metrics.
func (s *sampler) probeMetrics(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	if _, _, err := s.sampleMetrics(ctx); err != nil {
		return fmt.Errorf("metrics at %s: %w", s.metrics, err)
	}
	return nil
}
