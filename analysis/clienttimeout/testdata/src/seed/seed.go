// Chapter 2.4 of the seed document: timeouts must bound every network
// interaction ("该配置确保网络交互在可控时间内完成,避免因后端延迟传导至上游服务").
// Its client example (OkHttp) sets connect, read and write timeouts; the
// Go equivalents follow.
package seed

import (
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Bad: no timeouts at all; a slow backend holds every handler that calls it.
var bad = &http.Client{} // want `http\.Client literal has no Timeout`

// Connect and header timeouts only: the body read is bounded by nothing but
// the request's context, which is what a client made for long transfers
// (uploads, downloads) wants; not reported (issue 8).
var transportOnly = &http.Client{
	Transport: &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		ResponseHeaderTimeout: 8 * time.Second,
	},
}

// Good: the overall Timeout bounds connect, headers and body (the seed's
// connect 5s / read 8s / write 8s).
var client = &http.Client{
	Timeout: 8 * time.Second,
	Transport: &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		ResponseHeaderTimeout: 8 * time.Second,
	},
}

func Backend(c *gin.Context) {
	resp, err := http.Get("http://backend/slow") // want `http\.Get uses http\.DefaultClient, which has no timeout, from a request handler`
	if err == nil {
		resp.Body.Close()
	}
}

func BackendFixed(c *gin.Context) {
	req, _ := http.NewRequestWithContext(c.Request.Context(), "GET", "http://backend/slow", nil)
	resp, err := client.Do(req)
	if err == nil {
		resp.Body.Close()
	}
}
