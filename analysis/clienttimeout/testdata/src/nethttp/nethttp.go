package nethttp

import (
	"net/http"
	"time"
)

func Handle(w http.ResponseWriter, r *http.Request) {
	resp, err := http.Get("http://upstream") // want `http\.Get uses http\.DefaultClient, which has no timeout, from a request handler: .* http\.NewRequestWithContext\(r\.Context\(\), \.\.\.\)`
	if err == nil {
		resp.Body.Close()
	}
}

type Proxy struct{ client *http.Client }

func (p *Proxy) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	p.forward(req)
}

func (p *Proxy) forward(req *http.Request) {
	_, _ = http.DefaultClient.Do(req) // want `http\.DefaultClient\.Do is called from request handling \(forward, reached from handler ServeHTTP\), .* http\.NewRequestWithContext\(req\.Context\(\), \.\.\.\)`
}

func NewProxy() *Proxy {
	return &Proxy{client: &http.Client{Transport: http.DefaultTransport}} // want `http\.Client literal has no Timeout`
}

func Register(mux *http.ServeMux) {
	mux.HandleFunc("/x", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = http.Head("http://upstream") // want `http\.Head uses http\.DefaultClient, which has no timeout, from a request handler: .* http\.NewRequestWithContext\(r\.Context\(\), \.\.\.\)`
	})
	_, _ = http.Get("http://startup") // registration is not request handling
}

// Negative: a client with a timeout; a *http.Request alone is not a handler.
var client = &http.Client{Timeout: 5 * time.Second}

func sign(req *http.Request) {
	_, _ = http.DefaultClient.Do(req)
}
