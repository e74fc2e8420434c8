// Package transfer has clients made for long transfers: no overall Timeout,
// which would cut a large upload or download short, but a Transport that
// sets ResponseHeaderTimeout. Those are not reported; a Transport that does
// not bound the wait for headers, or one the rule cannot see, is.
package transfer

import (
	"context"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// --- not reported ---------------------------------------------------------

// The Transport literal in place.
var downloads = &http.Client{
	Transport: &http.Transport{
		DialContext:           (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		TLSHandshakeTimeout:   5 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	},
}

// A package-level Transport variable.
var uploadTransport = &http.Transport{ResponseHeaderTimeout: time.Minute}

var uploads = &http.Client{Transport: uploadTransport}

// A local Transport variable, declared with := .
func newStorage() *http.Client {
	tr := &http.Transport{ResponseHeaderTimeout: 30 * time.Second}
	return &http.Client{Transport: tr}
}

// Declared with var.
func newMirror() *http.Client {
	var tr = &http.Transport{ResponseHeaderTimeout: 30 * time.Second}
	return &http.Client{Transport: tr}
}

// The default Transport cloned, then given a header timeout.
func newFetcher() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 20 * time.Second
	return &http.Client{Transport: tr}
}

// The timeout assigned after the client is made.
func lateHeader() *http.Client {
	tr := &http.Transport{}
	cl := &http.Client{Transport: tr}
	tr.ResponseHeaderTimeout = 20 * time.Second
	return cl
}

// Stored in a long-lived value: an object-storage uploader.
type Store struct{ up *http.Client }

func NewStore() *Store {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = time.Minute
	return &Store{up: &http.Client{Transport: tr}}
}

// Used with a context deadline per request.
func (s *Store) Put(c *gin.Context, body io.Reader) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 10*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://storage/obj", body)
	if err != nil {
		return err
	}
	resp, err := s.up.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// --- reported -------------------------------------------------------------

// Dial and TLS timeouts only: an upstream that accepts and never answers
// holds the caller forever.
var dialOnly = &http.Client{ // want `http\.Client literal has no Timeout: .* or, for a client made for long transfers \(uploads, downloads\), a Transport with dial, TLS and ResponseHeaderTimeout timeouts`
	Transport: &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		TLSHandshakeTimeout: 5 * time.Second,
	},
}

// The default Transport has no ResponseHeaderTimeout.
var pooled = &http.Client{Transport: http.DefaultTransport} // want `http\.Client literal has no Timeout`

// A variable with no header timeout.
func plain() *http.Client {
	tr := &http.Transport{MaxIdleConns: 10}
	return &http.Client{Transport: tr} // want `http\.Client literal has no Timeout`
}

// A variable of the same name in another function does not count.
func other() *http.Client {
	tr := &http.Transport{ResponseHeaderTimeout: time.Second}
	_ = tr
	return nil
}

func shadow() *http.Client {
	tr := &http.Transport{}
	return &http.Client{Transport: tr} // want `http\.Client literal has no Timeout`
}

// A Transport from elsewhere (a parameter, a field, a call) is not followed.
func fromParam(tr *http.Transport) *http.Client {
	return &http.Client{Transport: tr} // want `http\.Client literal has no Timeout`
}

type holder struct{ tr *http.Transport }

func (h *holder) client() *http.Client {
	h.tr.ResponseHeaderTimeout = time.Second
	return &http.Client{Transport: h.tr} // want `http\.Client literal has no Timeout`
}
