package guard

import (
	"context"
	"crypto/rand"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
	"go.opentelemetry.io/otel/trace/noop"
)

// testTracerProvider starts non-recording spans with fresh IDs (keeping an
// incoming trace ID) and remembers their span contexts: enough to check
// the plumbing without the OpenTelemetry SDK.
type testTracerProvider struct {
	embedded.TracerProvider
	mu    sync.Mutex
	spans []trace.SpanContext
}

func (p *testTracerProvider) Tracer(string, ...trace.TracerOption) trace.Tracer {
	return &testTracer{p: p}
}

func (p *testTracerProvider) started() []trace.SpanContext {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]trace.SpanContext(nil), p.spans...)
}

type testTracer struct {
	embedded.Tracer
	p *testTracerProvider
}

func (t *testTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	var cfg trace.SpanContextConfig
	if parent := trace.SpanContextFromContext(ctx); parent.IsValid() {
		cfg.TraceID = parent.TraceID()
	} else {
		_, _ = rand.Read(cfg.TraceID[:])
	}
	_, _ = rand.Read(cfg.SpanID[:])
	cfg.TraceFlags = trace.FlagsSampled
	sc := trace.NewSpanContext(cfg)
	t.p.mu.Lock()
	t.p.spans = append(t.p.spans, sc)
	t.p.mu.Unlock()
	return noop.Tracer{}.Start(trace.ContextWithSpanContext(ctx, sc), name, opts...)
}

func TestTracingTraceIDInAccessLog(t *testing.T) {
	tp := &testTracerProvider{}
	logger, sink := newJSONLogger(slog.LevelInfo)
	r := gin.New()
	r.Use(RequestID(), Tracing("shop", WithTracerProvider(tp)), AccessLog(logger))
	var inHandler trace.SpanContext
	r.GET("/items/:id", func(c *gin.Context) {
		inHandler = trace.SpanContextFromContext(c.Request.Context())
		c.Status(204)
	})
	serve(r, httptest.NewRequest(http.MethodGet, "/items/7", nil))
	spans := tp.started()
	if len(spans) != 1 || !inHandler.IsValid() || inHandler.TraceID() != spans[0].TraceID() {
		t.Fatalf("spans %v, handler saw %v", spans, inHandler)
	}
	recs := sink.records(t)
	if len(recs) != 1 || recs[0]["trace_id"] != spans[0].TraceID().String() || recs[0]["span_id"] != spans[0].SpanID().String() {
		t.Errorf("log %v, want trace_id %s", recs, spans[0].TraceID())
	}
}

func TestTracingPropagatesWithNoopProvider(t *testing.T) {
	logger, sink := newJSONLogger(slog.LevelInfo)
	r := gin.New()
	r.Use(Tracing("shop"), AccessLog(logger))
	r.GET("/", func(c *gin.Context) { c.Status(204) })
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	serve(r, req)
	if recs := sink.records(t); len(recs) != 1 || recs[0]["trace_id"] != traceID {
		t.Errorf("log %v, want the caller's trace ID", recs)
	}
}
