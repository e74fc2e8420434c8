package load

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"
)

// compiled is a Target prepared for net/http's Transport.
type compiled struct {
	method string
	url    *url.URL // nil when urlTmpl is dynamic
	host   string   // Host header override
	header http.Header
	body   []byte

	urlTmpl    template // set when the URL has placeholders
	headerTmpl []headerTemplate
	bodyTmpl   template // set when the body has placeholders
}

type headerTemplate struct {
	key  string
	tmpl template
}

func compile(t Target) (compiled, error) {
	if err := t.Validate(); err != nil {
		return compiled{}, err
	}
	c := compiled{method: t.Method, body: t.Body}
	if c.method == "" {
		c.method = http.MethodGet
	}
	if ut := compileTemplate(t.URL); ut.dynamic() {
		c.urlTmpl = ut
	} else {
		u, err := parseTargetURL(t.URL)
		if err != nil {
			return compiled{}, err
		}
		c.url = u
	}
	c.header = http.Header{}
	for k, vs := range t.Header {
		key := http.CanonicalHeaderKey(k)
		if key == "Host" {
			if len(vs) > 0 {
				c.host = vs[0]
			}
			continue
		}
		for _, v := range vs {
			if vt := compileTemplate(v); vt.dynamic() {
				c.headerTmpl = append(c.headerTmpl, headerTemplate{key: key, tmpl: vt})
			} else {
				c.header[key] = append(c.header[key], v)
			}
		}
	}
	if _, ok := c.header["User-Agent"]; !ok && !c.templated("User-Agent") {
		// No User-Agent unless the target has one: a request carries only
		// what it needs, as on the lean path (net/http omits an empty one).
		c.header["User-Agent"] = []string{""}
	}
	if bt := compileTemplate(string(t.Body)); bt.dynamic() {
		c.bodyTmpl = bt
		c.body = nil
	}
	return c, nil
}

// templated reports whether c has a templated header key.
func (c *compiled) templated(key string) bool {
	for _, h := range c.headerTmpl {
		if h.key == key {
			return true
		}
	}
	return false
}

// static reports whether every request of c is identical, so one
// *http.Request can be reused.
func (c *compiled) static() bool {
	return c.url != nil && len(c.headerTmpl) == 0 && c.bodyTmpl == nil && c.body == nil
}

// stdSender sends on the engine's http.Transport, for what the lean
// client does not speak (https, and any target when Config.NetHTTP).
type stdSender struct {
	e *Engine

	ctx    context.Context // per-worker request context, child of the segment's
	cancel context.CancelFunc
	segCtx context.Context
	timer  *time.Timer // per-request timeout, fires cancel
	// abandon fires cancel at a chosen request's abort moment, after
	// setting abandoned; both are nil when the engine aborts nothing.
	abandon   *time.Timer
	abandoned *atomic.Bool
	reqs      []*http.Request // reusable requests per static target, bound to ctx
	buf       []byte          // body drain buffer
	tmp       []byte          // template rendering
	uuid      uuidSource
}

func newStdSender(e *Engine) *stdSender {
	return &stdSender{e: e, buf: make([]byte, 8<<10), reqs: make([]*http.Request, len(e.targets)), uuid: newUUIDs().next}
}

func (s *stdSender) begin(segCtx context.Context) {
	s.segCtx = segCtx
	s.newContext()
}

// newContext makes a fresh request context (after a timeout cancelled the
// old one, or for a new segment) and drops the requests bound to the old.
func (s *stdSender) newContext() {
	s.stopTimers()
	ctx, cancel := context.WithCancel(s.segCtx)
	s.ctx, s.cancel = ctx, cancel
	s.timer = time.AfterFunc(time.Hour, cancel)
	s.timer.Stop()
	s.abandon, s.abandoned = nil, nil
	if s.e.abort.Rate > 0 {
		// Cancelling a request's context makes the transport close its
		// connection at once (pending or mid-body): what a client that
		// gives up does. The flag, set first, tells send why.
		hit := new(atomic.Bool)
		s.abandoned = hit
		s.abandon = time.AfterFunc(time.Hour, func() {
			hit.Store(true)
			cancel()
		})
		s.abandon.Stop()
	}
	clear(s.reqs)
}

func (s *stdSender) stopTimers() {
	if s.timer != nil {
		s.timer.Stop()
	}
	if s.abandon != nil {
		s.abandon.Stop()
	}
}

// interrupt has nothing to do: the requests' contexts are children of the
// segment's, so the transport already saw the cancel.
func (s *stdSender) interrupt() {}

func (s *stdSender) end() {
	s.stopTimers()
	s.cancel()
	clear(s.reqs)
}

// close is done by Engine.Close, once for the shared transport.
func (s *stdSender) close() {}

func (s *stdSender) send(seq int64, abortAfter time.Duration, abort bool, hold func()) outcome {
	s.timer.Reset(s.e.timeout)
	armed := abort && s.abandon != nil
	status := 0
	req, err := s.request(seq)
	if err == nil {
		if armed {
			s.abandon.Reset(abortAfter)
		}
		var resp *http.Response
		if resp, err = s.e.transport.RoundTrip(req); err == nil {
			status = resp.StatusCode
			if hold != nil {
				hold()
			}
			// Read while the abort moment may still come: a client that
			// gives up mid-body closes the connection too.
			err = s.drainBody(resp.Body)
		}
	}
	fired := !s.timer.Stop()
	abandoned := armed && !s.abandon.Stop()
	if fired || abandoned {
		// A timer cancelled s.ctx (or is about to): later requests need a
		// new one.
		defer s.newContext()
	}
	if err == nil {
		return outcome{status: status}
	}
	// The transport may still touch a failed request: drop the cached ones.
	clear(s.reqs)
	if abandoned && s.abandoned.Load() {
		// Abandoned on purpose before the answer was read. The flag is
		// set before the cancel that caused err, so it is seen here.
		return outcome{aborted: true}
	}
	if fired && errors.Is(err, context.Canceled) {
		err = context.DeadlineExceeded
	}
	return outcome{err: err}
}

// drainBody reads and closes a response body, at most MaxBodyBytes of it:
// closing a body that was not read to its end closes the connection,
// which the transport replaces within the pool's limit.
func (s *stdSender) drainBody(body io.ReadCloser) error {
	var err error
	var n, total int64
	for {
		var k int
		k, err = body.Read(s.buf)
		n = int64(k)
		total += n
		if err != nil {
			break
		}
		if total > MaxBodyBytes {
			err = errBodyTooLarge
			break
		}
	}
	body.Close()
	if err == io.EOF {
		return nil
	}
	return err
}

// errBodyTooLarge fails a request whose body exceeds MaxBodyBytes.
var errBodyTooLarge = errors.New("response body over 64 MiB")

// request returns the request for seq: a reused one for static targets,
// a fresh one otherwise.
func (s *stdSender) request(seq int64) (*http.Request, error) {
	i := int(uint64(seq) % uint64(len(s.e.targets)))
	t := &s.e.targets[i]
	if t.static() {
		if r := s.reqs[i]; r != nil {
			return r, nil
		}
	}
	u := t.url
	if u == nil {
		s.tmp = appendTemplate(s.tmp[:0], t.urlTmpl, s.uuid, seq)
		var err error
		if u, err = parseTargetURL(string(s.tmp)); err != nil {
			return nil, err
		}
	}
	r := &http.Request{
		Method:     t.method,
		URL:        u,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     t.header,
		Host:       t.host,
	}
	if r.Host == "" {
		r.Host = u.Host
	}
	if len(t.headerTmpl) > 0 {
		r.Header = t.header.Clone()
		for _, h := range t.headerTmpl {
			s.tmp = appendTemplate(s.tmp[:0], h.tmpl, s.uuid, seq)
			r.Header[h.key] = append(r.Header[h.key], string(s.tmp))
		}
	}
	body := t.body
	if t.bodyTmpl != nil {
		body = appendTemplate(nil, t.bodyTmpl, s.uuid, seq)
	}
	if body != nil {
		r.ContentLength = int64(len(body))
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		if len(body) == 0 {
			r.Body = http.NoBody
		}
	}
	r = r.WithContext(s.ctx)
	if t.static() {
		s.reqs[i] = r
	}
	return r, nil
}
