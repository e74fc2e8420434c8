package guard

import (
	"io"
	"net/http"
	"sync/atomic"
)

// Readiness is a readiness flag and its HTTP probe: 200 "ready" while the
// server takes new work, 503 otherwise. It starts not ready; Serve, given
// it with WithReadiness, makes it ready once it listens and not ready as
// soon as shutdown begins, before the shutdown delay (WithShutdownDelay),
// so that load balancers and Kubernetes stop sending traffic while the
// server still answers. Mount it where the readiness probe looks:
//
//	ready := guard.NewReadiness()
//	r.GET("/readyz", gin.WrapH(ready))
//	err := guard.Serve(ctx, srv, guard.WithReadiness(ready))
//
// Keep liveness separate (a handler that always answers 200): a failing
// liveness probe restarts the pod, which is not what a drain wants.
type Readiness struct {
	ready atomic.Bool
}

// NewReadiness returns a Readiness that is not ready.
func NewReadiness() *Readiness { return &Readiness{} }

// Ready reports whether the server takes new work.
func (r *Readiness) Ready() bool { return r != nil && r.ready.Load() }

func (r *Readiness) set(v bool) {
	if r != nil {
		r.ready.Store(v)
	}
}

// ServeHTTP answers the readiness probe: 200 "ready" or 503 "not ready".
func (r *Readiness) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if !r.Ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, "not ready\n")
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}

// drainHandler is the handler Serve installs when there is a shutdown
// delay: once draining, every HTTP/1 response says "Connection: close", so
// that each keep-alive connection is closed by the server right after a
// response — when the client knows not to reuse it — instead of while it
// idles, when a request the client is sending on it would be lost.
// (http.Server.SetKeepAlivesEnabled(false) would say the same, but it also
// closes the idle connections at once, which is that very race.) HTTP/2
// needs nothing: Shutdown's GOAWAY tells the client which streams were
// served.
type drainHandler struct {
	next     http.Handler
	draining *atomic.Bool
}

func (h *drainHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.draining.Load() && r.ProtoMajor == 1 {
		w.Header().Set("Connection", "close")
	}
	h.next.ServeHTTP(w, r)
}
