package shop

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
)

// Case 2, globalcache (seed 3.2): a package-level map caches data per
// request key and nothing ever removes from it.
//
// The product page is personalised per session, so the rendered view is
// cached under product ID + session. Sessions are unbounded - every visitor
// brings a new one - and a package-level map lives as long as the process:
// each new session leaves its rendered view (about 1.5 KiB), its key and a
// map slot behind for good. The fix is not "a map with a mutex" (the leaky
// one has a mutex: its only bug is growth) but a cache with a bound and an
// expiry, here guard.NewCache (otter v2 underneath), sized in entries with
// entries expiring after a while: once full it stays full, and the heap
// stays flat.
//
// Both routes answer GET /…/products/:id?session=S with the rendered view
// (JSON) and X-Cache: hit|miss.

// viewCache is the leak: written for every new product+session pair by
// leakyProductView, never deleted from.
var (
	viewCacheMu sync.Mutex
	viewCache   = map[string][]byte{}
)

// leakyProductView serves the product view from viewCache, rendering and
// storing it on a miss.
func (s *Shop) leakyProductView(c *gin.Context) {
	p, ok := s.catalog.get(c.Param("id"))
	if !ok {
		abortWith(c, http.StatusNotFound, "no such product")
		return
	}
	session := c.DefaultQuery("session", "anonymous")
	key := p.ID + "|" + session

	viewCacheMu.Lock()
	view, hit := viewCache[key]
	viewCacheMu.Unlock()
	if !hit {
		buf := s.renderProductView(p, session)
		// The renderer's buffer goes back to its pool, so the cache
		// keeps a copy; this copy is what piles up.
		view = make([]byte, buf.Len())
		copy(view, buf.Bytes())
		s.bufs.Put(buf)
		viewCacheMu.Lock()
		viewCache[key] = view
		viewCacheMu.Unlock()
	}
	c.Header("X-Cache", cacheStatus(hit))
	c.Data(http.StatusOK, "application/json; charset=utf-8", view)
}

// fixedProductView is the same handler over the shop's bounded cache,
// guard.NewCache (otter v2 underneath): Options.ViewCacheSize entries, each
// expiring Options.ViewCacheTTL after it was written.
func (s *Shop) fixedProductView(c *gin.Context) {
	p, ok := s.catalog.get(c.Param("id"))
	if !ok {
		abortWith(c, http.StatusNotFound, "no such product")
		return
	}
	session := c.DefaultQuery("session", "anonymous")
	key := p.ID + "|" + session

	view, hit := s.views.Get(key)
	if !hit {
		buf := s.renderProductView(p, session)
		view = make([]byte, buf.Len())
		copy(view, buf.Bytes())
		s.bufs.Put(buf)
		s.views.Set(key, view)
	}
	c.Header("X-Cache", cacheStatus(hit))
	c.Data(http.StatusOK, "application/json; charset=utf-8", view)
}

func cacheStatus(hit bool) string {
	if hit {
		return "hit"
	}
	return "miss"
}

// ProductView is the personalised product page.
type ProductView struct {
	Product     Product        `json:"product"`
	Session     string         `json:"session"`
	Breadcrumbs []string       `json:"breadcrumbs"`
	Related     []RelatedEntry `json:"related"`
	Shipping    string         `json:"shipping"`
	Returns     string         `json:"returns"`
}

// RelatedEntry is a product suggested beside another.
type RelatedEntry struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	PriceCents int64  `json:"price_cents"`
	URL        string `json:"url"`
}

// renderProductView renders p's page for session into a pooled buffer; the
// caller puts the buffer back into s.bufs.
func (s *Shop) renderProductView(p Product, session string) *bytes.Buffer {
	v := ProductView{
		Product:     p,
		Session:     session,
		Breadcrumbs: []string{"Home", p.Category, p.Name},
		Shipping:    "Ships within two working days; free from 50 EUR.",
		Returns:     "Return it within 30 days, unused and in its original packaging, for a full refund.",
	}
	for _, q := range s.catalog.related(p, 5) {
		v.Related = append(v.Related, RelatedEntry{ID: q.ID, Name: q.Name, PriceCents: q.PriceCents, URL: "/api/products/" + q.ID})
	}
	buf := s.bufs.Get().(*bytes.Buffer)
	buf.Reset()
	// Encoding a struct of strings and numbers cannot fail.
	_ = json.NewEncoder(buf).Encode(v)
	return buf
}
