package shop

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ginleak/ginleak/guard"
)

// Case 6, dependency (seed 5: chaos drills, circuit breakers): an outbound
// call without a timeout behind a slow dependency.
//
// The stock of a product comes from the inventory service
// (Options.InventoryURL). The handler asks it in a goroutine and waits only
// briefly (Options.InventoryPatience, 20 ms) before it answers "unknown".
// The leaky handler makes the call with http.Get: no timeout, no context.
// When the inventory service hangs (the demo puts it behind `ginleak fault`
// with an hour of latency), every request leaves a goroutine blocked in
// http.Get and an open connection behind, for as long as the dependency
// hangs. The answer was fast and correct; the server piles up.
//
// The fixed handler calls through guard.Client: the request's own context
// (guard.Outbound), an overall deadline (Options.InventoryTimeout), and a
// circuit breaker that stops calling a dependency that keeps failing. While
// the inventory service is down it answers from the last good answer
// (guard.Cache) or the default, without waiting at all once the breaker is
// open.
//
// Both routes answer GET /…/stock/:id with a Stock.

// Stock is the answer of the stock routes.
type Stock struct {
	ProductID string `json:"product_id"`
	// Stock is the count, or -1 when it is unknown.
	Stock int `json:"stock"`
	// Source says where the answer came from: inventory, cache, default.
	Source string `json:"source"`
}

// unknownStock is the answer when the inventory service cannot say.
var unknownStock = []byte(`{"stock":-1}`)

// leakyStock leaks one goroutine and one connection per request while the
// inventory service hangs.
func (s *Shop) leakyStock(c *gin.Context) {
	id := c.Param("id")
	answer := make(chan []byte, 1) // buffered: the send never blocks
	go func() {
		resp, err := http.Get(s.opts.InventoryURL + "/stock/" + url.PathEscape(id))
		if err != nil {
			answer <- nil
			return
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		answer <- body
	}()
	select {
	case body := <-answer:
		writeStock(c, id, body, "inventory")
	case <-time.After(s.opts.InventoryPatience):
		writeStock(c, id, nil, "default")
	}
}

// fixedStock calls the inventory service with the request's context, a
// deadline and a breaker, and falls back to the cache or the default.
func (s *Shop) fixedStock(c *gin.Context) {
	id := c.Param("id")
	res, err := s.inventory.GetWithFallback(guard.Outbound(c), s.opts.InventoryURL+"/stock/"+url.PathEscape(id),
		guard.Fallback{Cache: s.stock, Default: unknownStock, MaxBody: 64 << 10})
	if err != nil { // not reached: the default always answers
		writeStock(c, id, nil, "default")
		return
	}
	source := string(res.Source)
	if res.Source == guard.FromUpstream {
		source = "inventory"
	}
	writeStock(c, id, res.Body, source)
}

func writeStock(c *gin.Context, id string, body []byte, source string) {
	st := Stock{ProductID: id, Stock: -1, Source: source}
	var got struct {
		Stock *int `json:"stock"`
	}
	if body != nil && json.Unmarshal(body, &got) == nil && got.Stock != nil {
		st.Stock = *got.Stock
	} else if source == "inventory" {
		st.Source = "default"
	}
	c.JSON(http.StatusOK, st)
}

// InventoryHandler is a minimal inventory service for the demo and the
// tests: GET /stock/:id answers {"stock": 42}.
func InventoryHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stock/{id}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"stock":42}`)
	})
	return mux
}
