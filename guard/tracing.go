package guard

import (
	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
)

// Tracing returns otelgin's middleware (go.opentelemetry.io/contrib/
// instrumentation/github.com/gin-gonic/gin/otelgin v0.70.0) for the
// service serviceName, with its dependencies injected instead of taken
// from OpenTelemetry's globals: WithTracerProvider (default: no-op),
// WithPropagators (default: W3C trace context and baggage) and
// WithMeterProvider (default: no-op). WithOtelginOptions passes further
// otelgin options.
//
// The span is put in the request context for the handlers below it, and
// otelgin restores the previous context when it returns; AccessLog reads
// the trace and span IDs from the context it is called with, so place
// Tracing before AccessLog (see docs/guard.md). With the no-op provider an
// incoming traceparent header is still propagated, so the access log shows
// the caller's trace ID.
func Tracing(serviceName string, opts ...Option) gin.HandlerFunc {
	cfg := newConfig(opts)
	tp := cfg.tracerProvider
	if tp == nil {
		tp = tracenoop.NewTracerProvider()
	}
	prop := cfg.propagators
	if prop == nil {
		prop = propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
	}
	mp := cfg.meterProvider
	if mp == nil {
		mp = metricnoop.NewMeterProvider()
	}
	oo := append([]otelgin.Option{
		otelgin.WithTracerProvider(tp),
		otelgin.WithPropagators(prop),
		otelgin.WithMeterProvider(mp),
	}, cfg.otelginOpts...)
	return otelgin.Middleware(serviceName, oo...)
}
