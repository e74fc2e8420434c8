package shop

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
)

// Case 7, clientgone (seed 3.3 and 5): work that outlives a client who gave
// up.
//
// The handler builds a catalogue report in a goroutine (Options.ReportLatency,
// 5 ms, stands for a slow aggregate query) and waits for it, or for the
// client to leave. A client that waits gets its report and nothing stays
// behind, so ordinary load shows no leak at all. But a client that gives
// up - a closed tab, a proxy with a short timeout - ends the request's
// context: the handler returns, and the worker, which runs its query on
// context.Background() and so never learns that nobody waits, then blocks
// forever on its send to the unbuffered channel. One goroutine per
// abandoned request: `ginleak soak --abort 30%` shows it, a soak without
// --abort calls the same route stable.
//
// The fix runs the query on the request's context (it stops when the
// client leaves) and gives the channel room for the one send, so the worker
// always ends.
//
// Both routes answer GET /…/report with a CatalogReport.

// CatalogReport summarises the catalogue per category.
type CatalogReport struct {
	Categories []CategoryReport `json:"categories"`
	Products   int              `json:"products"`
}

// CategoryReport is one category's line of a CatalogReport.
type CategoryReport struct {
	Category        string `json:"category"`
	Products        int    `json:"products"`
	AvgPriceCents   int64  `json:"avg_price_cents"`
	TotalPriceCents int64  `json:"total_price_cents"`
}

// leakyReport leaves one goroutine behind per client that leaves before
// its report is ready.
func (s *Shop) leakyReport(c *gin.Context) {
	reports := make(chan CatalogReport) // unbuffered: the send waits for a receiver
	go func() {
		// context.Background: the query goes on after the client left,
		// and the send then waits for a receiver that is gone.
		reports <- s.catalogReport(context.Background())
	}()
	select {
	case r := <-reports:
		c.JSON(http.StatusOK, r)
	case <-c.Request.Context().Done():
		// The client left; nobody will receive the report.
	}
}

// fixedReport is the same handler with the request's context and a
// buffered channel: the worker stops when the client leaves, and its send
// completes whether or not anyone still listens.
func (s *Shop) fixedReport(c *gin.Context) {
	ctx := c.Request.Context()
	reports := make(chan CatalogReport, 1) // room for the one send: it never blocks
	go func() {
		reports <- s.catalogReport(ctx)
	}()
	select {
	case r := <-reports:
		c.JSON(http.StatusOK, r)
	case <-ctx.Done():
	}
}

// catalogReport waits Options.ReportLatency (the slow query) unless ctx
// ends first, then sums the catalogue.
func (s *Shop) catalogReport(ctx context.Context) CatalogReport {
	t := time.NewTimer(s.opts.ReportLatency)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return CatalogReport{}
	}
	byCat := map[string]*CategoryReport{}
	for _, p := range s.catalog.products {
		r := byCat[p.Category]
		if r == nil {
			r = &CategoryReport{Category: p.Category}
			byCat[p.Category] = r
		}
		r.Products++
		r.TotalPriceCents += p.PriceCents
	}
	rep := CatalogReport{Products: len(s.catalog.products)}
	for _, r := range byCat {
		r.AvgPriceCents = r.TotalPriceCents / int64(r.Products)
		rep.Categories = append(rep.Categories, *r)
	}
	slices.SortFunc(rep.Categories, func(a, b CategoryReport) int {
		if a.Category < b.Category {
			return -1
		}
		if a.Category > b.Category {
			return 1
		}
		return 0
	})
	return rep
}
