package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/ginleak/ginleak/soak/load"
)

// key identifies an instance: its job and instance target labels.
type key struct{ job, instance string }

func (k key) String() string {
	if k.job == "" {
		return k.instance
	}
	return k.job + "/" + k.instance
}

// maxSelector bounds the length of --selector.
const maxSelector = 4096

// checkSelector accepts "" or one brace-enclosed list of label matchers,
// `{job="api",env=~"prod|canary"}`. It checks only the shape — braces
// outside quoted strings at both ends and nowhere else — so that the
// selector cannot close the metric's braces and turn the query into
// another expression; the matchers themselves are checked by Prometheus,
// whose message is passed on.
func checkSelector(sel string) error {
	if sel == "" {
		return nil
	}
	if len(sel) > maxSelector {
		return fmt.Errorf("selector is %d bytes long; at most %d", len(sel), maxSelector)
	}
	if !strings.HasPrefix(sel, "{") || !strings.HasSuffix(sel, "}") || len(sel) < 2 {
		return fmt.Errorf("selector %q must be label matchers in braces, like {job=\"api\"}", sel)
	}
	var quote rune
	escaped := false
	for i, r := range sel {
		switch {
		case quote != 0:
			switch {
			case escaped:
				escaped = false
			case r == '\\' && quote != '`':
				escaped = true
			case r == quote:
				quote = 0
			}
		case r == '"' || r == '\'' || r == '`':
			quote = r
		case (r == '{' && i != 0) || (r == '}' && i != len(sel)-1):
			return fmt.Errorf("selector %q must be one list of label matchers in braces, like {job=\"api\"}; found %q at byte %d", sel, r, i)
		}
	}
	if quote != 0 {
		return fmt.Errorf("selector %q has an unterminated string", sel)
	}
	return nil
}

// withSelector returns metric restricted to the selector's matchers.
func withSelector(metric, sel string) string { return metric + sel }

// byInstance is the grouping of every query: one series per instance, so
// that several series of one target (a second scrape job, HA replicas that
// the query layer did not deduplicate) never split an instance.
const byInstance = "by (job, instance)"

// gaugeQuery is the query of a gauge signal.
func gaugeQuery(metric, sel string) string {
	return "max " + byInstance + " (" + withSelector(metric, sel) + ")"
}

// counterQuery is the query of the request counter: the sum over its label
// sets (routes, codes), per instance. A process restart resets all of them
// at once, so the sum goes down where the process restarted.
func counterQuery(metric, sel string) string {
	return "sum " + byInstance + " (" + withSelector(metric, sel) + ")"
}

// limitedBody caps a response body: the client reads bodies whole, and a
// hostile or misconfigured server must not make it read without end.
type limitedBody struct {
	r     io.ReadCloser
	left  int64
	limit int64
}

var errTooLarge = errors.New("response too large")

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := b.r.Read(one[:]); n > 0 {
			return 0, fmt.Errorf("%w: more than %d bytes; narrow --selector or --window, or raise the limit", errTooLarge, b.limit)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.r.Close() }

// transport adds the configured headers and caps response bodies.
type transport struct {
	base    http.RoundTripper
	headers http.Header
	limit   int64
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if len(t.headers) > 0 {
		req = req.Clone(req.Context())
		for k, vs := range t.headers {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &limitedBody{r: resp.Body, left: t.limit, limit: t.limit}
	return resp, nil
}

// client is the query API of one Prometheus-compatible server.
type client struct {
	api     v1.API
	address string
	timeout time.Duration
}

// newClient checks the address and builds the client. Unless allowRemote,
// every connection must go to a loopback address: the dialer refuses any
// other (load.LoopbackOnly), after name resolution.
func newClient(cfg *config) (*client, error) {
	u, err := url.Parse(cfg.address)
	if err != nil {
		return nil, fmt.Errorf("prometheus address %q: %w", cfg.address, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("prometheus address %q: want http://HOST:PORT or https://HOST:PORT[/PATH]", cfg.address)
	}
	d := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: cfg.queryTimeout + 10*time.Second,
		MaxIdleConnsPerHost:   maxConcurrentQueries,
	}
	if cfg.allowRemote {
		tr.Proxy = http.ProxyFromEnvironment
	} else {
		// No proxy: the connection must go to the loopback address itself.
		d.Control = load.LoopbackOnly
	}
	c, err := api.NewClient(api.Config{
		Address:      cfg.address,
		RoundTripper: &transport{base: tr, headers: cfg.headers, limit: cfg.maxResponseBytes},
	})
	if err != nil {
		return nil, fmt.Errorf("prometheus address %q: %w", cfg.address, err)
	}
	return &client{api: v1.NewAPI(c), address: cfg.address, timeout: cfg.queryTimeout}, nil
}

// maxConcurrentQueries bounds the queries in flight against the server.
const maxConcurrentQueries = 3

// rangeResult is one range query's series by instance.
type rangeResult struct {
	query    string
	series   map[key][]point
	warnings []string // the server's, e.g. Thanos' partial responses
	err      error
}

// queryRange runs one range query and groups its series by instance.
func (c *client) queryRange(ctx context.Context, q string, r v1.Range) rangeResult {
	res := rangeResult{query: q}
	val, warnings, _, err := c.api.QueryRange(ctx, q, r, v1.WithTimeout(c.timeout))
	for _, w := range warnings {
		res.warnings = append(res.warnings, fmt.Sprintf("query %s: %s", q, firstLine(w)))
	}
	if err != nil {
		res.err = c.explain(q, err)
		return res
	}
	m, ok := val.(model.Matrix)
	if !ok {
		res.err = fmt.Errorf("query %s: Prometheus at %s answered a %s, not a range of series", q, c.address, val.Type())
		return res
	}
	res.series = make(map[key][]point, len(m))
	for _, s := range m {
		k := key{job: string(s.Metric["job"]), instance: string(s.Metric["instance"])}
		pts := make([]point, 0, len(s.Values))
		for _, v := range s.Values {
			pts = append(pts, point{t: int64(v.Timestamp), v: float64(v.Value)})
		}
		res.series[k] = append(res.series[k], pts...)
	}
	return res
}

// queryInstant runs an instant query and returns its samples.
func (c *client) queryInstant(ctx context.Context, q string, at time.Time) (model.Vector, error) {
	val, _, _, err := c.api.Query(ctx, q, at, v1.WithTimeout(c.timeout))
	if err != nil {
		return nil, c.explain(q, err)
	}
	vec, ok := val.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("query %s: Prometheus at %s answered a %s, not a vector", q, c.address, val.Type())
	}
	return vec, nil
}

// explain turns a client error into one that says what to do.
func (c *client) explain(q string, err error) error {
	var apiErr *v1.Error
	switch {
	case errors.Is(err, load.ErrNotLoopback):
		return fmt.Errorf("refusing to query Prometheus at %s: it is not on this machine (%v); pass --allow-remote to query a remote Prometheus, Thanos or Mimir",
			c.address, unwrapOp(err))
	case errors.Is(err, errTooLarge):
		return fmt.Errorf("query %s at %s: %w", q, c.address, err)
	case errors.As(err, &apiErr) && apiErr.Type == v1.ErrBadData:
		return fmt.Errorf("Prometheus at %s rejected the query %s: %s (check --selector and --requests-metric)", c.address, q, apiErr.Msg)
	case errors.As(err, &apiErr) && (apiErr.Type == v1.ErrClient || apiErr.Type == v1.ErrServer) && apiErr.Detail != "":
		return fmt.Errorf("query %s at %s: %s: %s", q, c.address, apiErr.Msg, firstLine(apiErr.Detail))
	case errors.As(err, &apiErr):
		return fmt.Errorf("query %s at %s: %w", q, c.address, err)
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
		return fmt.Errorf("query %s at %s: %w", q, c.address, err)
	}
	return fmt.Errorf("cannot reach Prometheus at %s: %v\nIs it running and listening there? Point --prometheus at its base URL (http://127.0.0.1:9090; for Thanos Query or Mimir, the URL under which /api/v1/query_range answers)",
		c.address, unwrapOp(err))
}

// unwrapOp returns the innermost error of net.OpError and url.Error
// layers: "connection refused", not "Post URL: dial tcp ADDR: ...".
func unwrapOp(err error) error {
	for {
		var op *net.OpError
		var ue *url.Error
		switch {
		case errors.As(err, &op):
			err = op.Err
		case errors.As(err, &ue):
			err = ue.Err
		default:
			return err
		}
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// runAll runs the range queries, at most maxConcurrentQueries at a time,
// and returns their results in order.
func (c *client) runAll(ctx context.Context, qs []string, r v1.Range) []rangeResult {
	out := make([]rangeResult, len(qs))
	sem := make(chan struct{}, maxConcurrentQueries)
	var wg sync.WaitGroup
	for i, q := range qs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				out[i] = rangeResult{query: q, err: fmt.Errorf("query %s: %w", q, ctx.Err())}
				return
			}
			defer func() { <-sem }()
			out[i] = c.queryRange(ctx, q, r)
		}()
	}
	wg.Wait()
	return out
}
