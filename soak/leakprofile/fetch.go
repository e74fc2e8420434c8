package leakprofile

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/ginleak/ginleak/internal/limitio"
)

// ProfileName is the runtime/pprof name of the goroutine leak profile.
const ProfileName = "goroutineleak"

// DefaultTimeout bounds one Fetch unless Timeout says otherwise. The
// target runs a full GC cycle before it answers: seconds on a heap of
// several GB.
const DefaultTimeout = 30 * time.Second

// Option configures Fetch.
type Option interface{ apply(*options) }

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

type options struct {
	timeout  time.Duration
	maxBytes int64
}

func defaultOptions() options { return options{timeout: DefaultTimeout, maxBytes: MaxBytes} }

// withMaxBytes lowers MaxBytes, for tests of the bound that do not send
// 64 MiB.
func withMaxBytes(n int64) Option { return optionFunc(func(o *options) { o.maxBytes = n }) }

// Timeout bounds one Fetch (request, GC cycle in the target, answer);
// d ≤ 0 keeps DefaultTimeout. The context's deadline applies too.
func Timeout(d time.Duration) Option {
	return optionFunc(func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	})
}

// notServed is the Reason of a target that answers 404.
const notServed = "the target does not serve the goroutineleak profile (it needs Go 1.27 or later, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile)"

// Fetch reads the goroutine leak profile from the target's pprof, at
// pprofBaseURL + "/goroutineleak?debug=1" (pprofBaseURL is the pprof index,
// such as "http://127.0.0.1:8080/debug/pprof"), with client
// (http.DefaultClient when nil; give one that dials only where the soak
// may go and does not follow redirects).
//
// A 404 is Result{Available: false, Reason: …} and no error: the target
// runs Go 1.26 or earlier, or does not mount pprof's handler for the
// profile. Any other status, a redirect, a body that is not the profile,
// or one over MaxBytes is an error (errors.Is ErrMalformed / ErrTooLarge
// for the last two) with an unavailable Result.
func Fetch(ctx context.Context, client *http.Client, pprofBaseURL string, opts ...Option) (Result, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt.apply(&o)
	}
	if client == nil {
		client = http.DefaultClient
	}
	u, err := profileURL(pprofBaseURL)
	if err != nil {
		return Result{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Result{}, fmt.Errorf("GET %s: %w", u, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // it would name u a second time
			err = ue.Err
		}
		return Result{}, fmt.Errorf("GET %s: %w", u, err)
	}
	wire := limitio.Reader(resp.Body, o.maxBytes, "the answer", ErrTooLarge)
	defer func() {
		// Drain a little so that the connection can be reused; a hostile
		// body is simply closed.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return Result{Reason: notServed}, nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return Result{}, fmt.Errorf("GET %s: %s to %q: redirects are not followed; point the pprof URL at the target itself",
			u, resp.Status, snippet(resp.Header.Get("Location")))
	case resp.StatusCode != http.StatusOK:
		head := make([]byte, 200)
		n, _ := io.ReadFull(wire, head)
		return Result{}, fmt.Errorf("GET %s: %s: %q", u, resp.Status, snippet(strings.TrimSpace(string(head[:n]))))
	}
	var body io.Reader = wire
	if strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip") {
		zr, err := gzip.NewReader(wire)
		if err != nil {
			return Result{}, fmt.Errorf("GET %s: gzip answer: %w", u, err)
		}
		defer zr.Close()
		body = limitio.Reader(zr, o.maxBytes, "the decompressed answer", ErrTooLarge)
	}
	res, err := Parse(body)
	if err != nil {
		return Result{}, fmt.Errorf("GET %s: %w", u, err)
	}
	return res, nil
}

// profileURL builds the profile's URL from the pprof index URL.
func profileURL(base string) (string, error) {
	pu, err := url.Parse(strings.TrimSpace(base))
	if err != nil {
		return "", fmt.Errorf("pprof URL %q: %w", snippet(base), err)
	}
	if pu.Scheme != "http" && pu.Scheme != "https" || pu.Host == "" {
		return "", fmt.Errorf("pprof URL %q: want http://HOST[:PORT]/debug/pprof", snippet(base))
	}
	pu.Path = strings.TrimRight(pu.Path, "/") + "/" + ProfileName
	pu.RawPath = ""
	pu.RawQuery = "debug=1"
	pu.Fragment = ""
	return pu.String(), nil
}

// Lookup reads the goroutine leak profile of this process with
// runtime/pprof, as Fetch reads a target's: on Go 1.26 and earlier (unless
// built with GOEXPERIMENT=goroutineleakprofile) it is Result{Available:
// false}. Like every reading it runs a GC cycle first.
func Lookup() (Result, error) {
	p := pprof.Lookup(ProfileName)
	if p == nil {
		return Result{Reason: fmt.Sprintf("%s has no goroutineleak profile (it needs Go 1.27 or later, or Go 1.26 built with GOEXPERIMENT=goroutineleakprofile)", runtime.Version())}, nil
	}
	var buf bytes.Buffer
	if err := p.WriteTo(&buf, 1); err != nil {
		return Result{}, fmt.Errorf("write the goroutineleak profile: %w", err)
	}
	res, err := Parse(limitio.Reader(&buf, MaxBytes, "the profile", ErrTooLarge))
	if err != nil {
		return Result{}, fmt.Errorf("read the goroutineleak profile: %w", err)
	}
	return res, nil
}
