package shop

import (
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// Case 4, history (seed 3.1): a middleware keeps a copy of every request.
//
// A "recent requests" page for support staff: the middleware records each
// request (method, path, query, client, a copy of the headers) in a slice
// captured by its closure. The closure lives as long as the router, so the
// slice does too, and it only ever grows: every request leaves a few
// hundred bytes behind. Unlike case 2 the slice is not package-level, which
// makes it easy to miss in review. The fixed middleware keeps the last N
// records in a ring buffer and a counter of the rest.
//
// Both middlewares guard the slice with a mutex, so the only bug of the
// leaky one is growth. GET /…/history shows what was kept as a
// HistoryView; the routes it records are GET /…/history/products/:id.

// RequestRecord is one request as the history middlewares keep it.
type RequestRecord struct {
	At     time.Time   `json:"at"`
	Method string      `json:"method"`
	Path   string      `json:"path"`
	Query  string      `json:"query,omitempty"`
	Client string      `json:"client"`
	Header http.Header `json:"header"`
}

func recordOf(c *gin.Context) RequestRecord {
	return RequestRecord{
		At:     time.Now(),
		Method: c.Request.Method,
		Path:   c.Request.URL.Path,
		Query:  c.Request.URL.RawQuery,
		Client: c.ClientIP(),
	}
}

// secretHeader reports whether the history must not keep header k
// (canonical form): it carries credentials.
func secretHeader(k string) bool {
	switch k {
	case "Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key":
		return true
	}
	return false
}

// HistoryView is the JSON answer of GET /…/history.
type HistoryView struct {
	Seen   int64           `json:"seen"`   // requests recorded since start
	Kept   int             `json:"kept"`   // records held in memory
	Recent []RequestRecord `json:"recent"` // the latest few, newest last
}

// historyShown is how many records the history page lists.
const historyShown = 10

// leakyHistory returns the recording middleware and the page showing it.
// seen grows by one record per request, for the life of the router.
func leakyHistory() (record, show gin.HandlerFunc) {
	var (
		mu   sync.Mutex
		seen []RequestRecord
	)
	record = func(c *gin.Context) {
		rec := recordOf(c)
		// Keep a copy of the headers, without credentials.
		rec.Header = make(http.Header, len(c.Request.Header))
		for k, vv := range c.Request.Header {
			if !secretHeader(k) {
				rec.Header[k] = append([]string(nil), vv...)
			}
		}
		mu.Lock()
		seen = append(seen, rec)
		mu.Unlock()
		c.Next()
	}
	show = func(c *gin.Context) {
		mu.Lock()
		v := HistoryView{Seen: int64(len(seen)), Kept: len(seen)}
		v.Recent = append([]RequestRecord{}, seen[max(0, len(seen)-historyShown):]...)
		mu.Unlock()
		c.JSON(http.StatusOK, v)
	}
	return record, show
}

// fixedHistory keeps the last size records in a ring and counts the rest.
func fixedHistory(size int) (record, show gin.HandlerFunc) {
	var (
		mu    sync.Mutex
		ring  = make([]RequestRecord, size)
		total int64 // records ever written; the next goes to ring[total%size]
	)
	record = func(c *gin.Context) {
		rec := recordOf(c)
		rec.Header = make(http.Header, len(c.Request.Header))
		for k, vv := range c.Request.Header {
			if !secretHeader(k) {
				rec.Header[k] = append([]string(nil), vv...)
			}
		}
		mu.Lock()
		ring[total%int64(size)] = rec
		total++
		mu.Unlock()
		c.Next()
	}
	show = func(c *gin.Context) {
		mu.Lock()
		kept := int(min(total, int64(size)))
		v := HistoryView{Seen: total, Kept: kept, Recent: []RequestRecord{}}
		for i := max(0, kept-historyShown); i < kept; i++ {
			// The oldest kept record is at total-kept.
			v.Recent = append(v.Recent, ring[(total-int64(kept)+int64(i))%int64(size)])
		}
		mu.Unlock()
		c.JSON(http.StatusOK, v)
	}
	return record, show
}
