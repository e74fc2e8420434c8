package watch

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeInstance is one synthetic instance served by fakeProm.
type fakeInstance struct {
	job, inst   string
	rate        float64 // requests per second
	heapPerReq  float64 // bytes
	gorPerReq   float64
	restartAt   float64 // seconds after the window start; 0: none
	noLive      bool    // no go_gc_heap_live_bytes: the fallback is used
	counter     string  // request counter name; "" none
	noise       float64 // heap noise amplitude, bytes
	stopAt      float64 // seconds after the window start when it stops being scraped; 0: never
	gapFrom, to float64 // a scrape gap (no samples) between the two, seconds
}

// value returns the metric of the instance at s seconds after the window
// start t0 (Unix seconds), and false when there is no sample.
func (f *fakeInstance) value(metric string, t0, s float64) (float64, bool) {
	if f.stopAt > 0 && s > f.stopAt {
		return 0, false
	}
	if f.to > 0 && s >= f.gapFrom && s < f.to {
		return 0, false
	}
	start, reqs := t0-3600, 1000+f.rate*s
	if f.restartAt > 0 && s >= f.restartAt {
		start, reqs = t0+f.restartAt, f.rate*(s-f.restartAt)
	}
	// Deterministic noise: a saw-tooth (garbage between collections) plus a
	// hash-like wobble.
	saw := f.noise * (math.Mod(s, 7) / 7)
	wob := f.noise * 0.3 * math.Sin(s*12.9898)
	switch metric {
	case MetricHeapLive:
		if f.noLive {
			return 0, false
		}
		return 30e6 + f.heapPerReq*reqs + saw + wob, true
	case MetricHeapInuse:
		return 40e6 + f.heapPerReq*reqs + saw + wob, true
	case MetricGoroutines:
		return math.Round(25 + f.gorPerReq*reqs + 2*math.Sin(s)), true
	case MetricOpenFDs:
		return 14, true
	case MetricRSS:
		return 90e6 + f.heapPerReq*reqs, true
	case MetricStartTime:
		return start, true
	}
	if metric == f.counter {
		return reqs, true
	}
	return 0, false
}

// fakeProm answers query_range and query like Prometheus for the metrics
// watch asks for, from synthetic instances, and counts the queries.
type fakeProm struct {
	instances []*fakeInstance
	t0        float64
	warning   string // sent with every range query's answer

	mu      sync.Mutex
	queries []string
	headers []http.Header
}

var fakeMetrics = []string{MetricHeapLive, MetricHeapInuse, MetricGoroutines, MetricOpenFDs, MetricRSS,
	MetricStartTime, MetricContainerLimit, DefaultRequestsMetric, FallbackRequestsMetric, "my_requests_total"}

func (p *fakeProm) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	q := r.Form.Get("query")
	p.mu.Lock()
	p.queries = append(p.queries, q)
	p.headers = append(p.headers, r.Header.Clone())
	p.mu.Unlock()
	fail := func(msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		json.NewEncoder(w).Encode(map[string]any{"status": "error", "errorType": "bad_data", "error": msg})
	}
	if strings.Contains(q, "=~~") {
		fail(`1:30: parse error: unexpected character inside braces: '~'`)
		return
	}
	metric := ""
	for _, m := range fakeMetrics {
		if strings.Contains(q, m+"{") || strings.Contains(q, m+")") {
			metric = m
		}
	}
	type series struct {
		Metric map[string]string `json:"metric"`
		Values [][2]any          `json:"values,omitempty"`
		Value  *[2]any           `json:"value,omitempty"`
	}
	result := []series{}
	kind := "vector"
	if strings.HasSuffix(r.URL.Path, "/query_range") {
		kind = "matrix"
		start, _ := strconv.ParseFloat(r.Form.Get("start"), 64)
		end, _ := strconv.ParseFloat(r.Form.Get("end"), 64)
		step, _ := strconv.ParseFloat(r.Form.Get("step"), 64)
		if step <= 0 {
			fail("zero or negative query resolution step widths are not accepted")
			return
		}
		for _, f := range p.instances {
			if strings.Contains(q, `job="`) && !strings.Contains(q, `job="`+f.job+`"`) {
				continue
			}
			s := series{Metric: map[string]string{"job": f.job, "instance": f.inst}}
			for t := start; t <= end+1e-9; t += step {
				if v, ok := f.value(metric, p.t0, t-p.t0); ok {
					s.Values = append(s.Values, [2]any{t, strconv.FormatFloat(v, 'f', -1, 64)})
				}
			}
			if len(s.Values) > 0 {
				result = append(result, s)
			}
		}
	}
	body := map[string]any{"status": "success", "data": map[string]any{"resultType": kind, "result": result}}
	if p.warning != "" && kind == "matrix" {
		body["warnings"] = []string{p.warning}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(body)
}

// startFake serves p on a loopback port for the test.
func startFake(t *testing.T, p *fakeProm) string {
	t.Helper()
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return srv.URL
}

func (p *fakeProm) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queries)
}

func (p *fakeProm) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return fmt.Sprint(p.queries)
}
