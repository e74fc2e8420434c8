package guard

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// memTransport answers every request in memory, so the benchmarks measure
// the client's own cost, not a network round trip.
type memTransport struct{}

func (memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("ok")), Header: http.Header{}, Request: r}, nil
}

func benchClient(b *testing.B, c *http.Client) {
	req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1:9/x", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

// BenchmarkClientBare is the floor: an *http.Client with no timeout and no
// breaker over the same in-memory transport.
func BenchmarkClientBare(b *testing.B) {
	benchClient(b, &http.Client{Transport: memTransport{}})
}

// BenchmarkClientGuard is guard.Client with its breaker closed and its
// overall timeout set. bench/guard.sh prints the difference to the floor.
func BenchmarkClientGuard(b *testing.B) {
	c, err := NewClient(ClientTransport(memTransport{}))
	if err != nil {
		b.Fatal(err)
	}
	benchClient(b, c.HTTP)
}
