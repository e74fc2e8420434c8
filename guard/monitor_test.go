package guard

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"
)

func gather(t *testing.T, g prometheus.Gatherer) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

func labels(m *dto.Metric) string {
	var parts []string
	for _, l := range m.GetLabel() {
		parts = append(parts, l.GetName()+"="+l.GetValue())
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func TestMonitor(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, _ := newTestAsync(t)
	mon, err := NewMonitor(reg, WithAsync(a))
	if err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	r.Use(mon.Middleware())
	inFlightSeen := 0.0
	r.GET("/items/:id", func(c *gin.Context) {
		mf := gather(t, reg)[MetricRequestsInFlight]
		inFlightSeen = mf.GetMetric()[0].GetGauge().GetValue()
		c.Status(200)
	})
	r.POST("/items", func(c *gin.Context) { c.Status(503) })
	r.GET("/panic", func(c *gin.Context) { panic("x") })

	for _, id := range []string{"1", "2", "3"} {
		serve(r, httptest.NewRequest(http.MethodGet, "/items/"+id, nil))
	}
	serve(r, httptest.NewRequest(http.MethodPost, "/items", nil))
	serve(r, httptest.NewRequest(http.MethodGet, "/no/such/page", nil))
	serve(r, httptest.NewRequest("BREW", "/items/1", nil))
	func() {
		defer func() { _ = recover() }()
		serve(r, httptest.NewRequest(http.MethodGet, "/panic", nil))
	}()
	if inFlightSeen != 1 {
		t.Errorf("in flight during a request = %v, want 1", inFlightSeen)
	}

	mfs := gather(t, reg)
	got := map[string]uint64{}
	for _, m := range mfs[MetricRequestDuration].GetMetric() {
		got[labels(m)] = m.GetHistogram().GetSampleCount()
	}
	want := map[string]uint64{
		"code=200,method=GET,route=/items/:id":  3,
		"code=503,method=POST,route=/items":     1,
		"code=404,method=GET,route=unmatched":   1,
		"code=404,method=OTHER,route=unmatched": 1,
		"code=500,method=GET,route=/panic":      1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d observations, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	if v := mfs[MetricRequestsInFlight].GetMetric()[0].GetGauge().GetValue(); v != 0 {
		t.Errorf("in flight after the requests = %v", v)
	}
	for _, name := range []string{MetricAsyncInFlight, MetricAsyncRejected, MetricAsyncPanics,
		"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes"} {
		if mfs[name] == nil {
			t.Errorf("metric %s not registered", name)
		}
	}

	// Async counters.
	release := make(chan struct{})
	_ = a.Go(context.Background(), "p", func(context.Context) { panic("x") })
	_ = a.Go(context.Background(), "w", func(context.Context) { <-release })
	waitFor(t, func() bool { return a.Panics() == 1 })
	mfs = gather(t, reg)
	if v := mfs[MetricAsyncInFlight].GetMetric()[0].GetGauge().GetValue(); v != 1 {
		t.Errorf("%s = %v, want 1", MetricAsyncInFlight, v)
	}
	if v := mfs[MetricAsyncPanics].GetMetric()[0].GetCounter().GetValue(); v != 1 {
		t.Errorf("%s = %v, want 1", MetricAsyncPanics, v)
	}
	close(release)
}

func TestNewMonitorRegistration(t *testing.T) {
	if _, err := NewMonitor(nil); err == nil {
		t.Error("nil registerer accepted")
	}
	// A registry that already has the Go and process collectors, like
	// prometheus.DefaultRegisterer.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if _, err := NewMonitor(reg); err != nil {
		t.Fatalf("NewMonitor with the standard collectors present: %v", err)
	}
	var are prometheus.AlreadyRegisteredError
	if _, err := NewMonitor(reg); !errors.As(err, &are) {
		t.Errorf("second NewMonitor on one registry: %v, want an AlreadyRegisteredError", err)
	}
	// The failed call left the first monitor's metrics in place.
	if mfs := gather(t, reg); mfs[MetricAsyncPanics] == nil {
		t.Error("the failed NewMonitor unregistered the first monitor's metrics")
	}
}

// TestMonitorExportsLiveHeap: ginleak watch and the heap alert read the live
// heap after GC, which the default Go collector does not export.
func TestMonitorExportsLiveHeap(t *testing.T) {
	runtime.GC() // the live heap is measured by a GC
	reg := prometheus.NewRegistry()
	if _, err := NewMonitor(reg); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "go_gc_heap_live_bytes" {
			if v := mf.GetMetric()[0].GetGauge().GetValue(); v <= 0 {
				t.Errorf("go_gc_heap_live_bytes = %v, want the live heap", v)
			}
			return
		}
	}
	t.Error("go_gc_heap_live_bytes is not exported")
}
