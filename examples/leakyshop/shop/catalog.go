package shop

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Product is an article of the catalogue. Prices are in cents.
type Product struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Category    string   `json:"category"`
	Description string   `json:"description"`
	PriceCents  int64    `json:"price_cents"`
	Currency    string   `json:"currency"`
	Tags        []string `json:"tags"`
}

// catalog is the read-only product list, built once at start-up.
type catalog struct {
	products []Product
	byID     map[string]int
}

// newCatalog builds 24 products, p-1001 … p-1024, deterministically.
func newCatalog() *catalog {
	adjectives := [...]string{"Classic", "Compact", "Deluxe", "Everyday", "Heritage", "Nordic"}
	articles := [...]struct{ name, category string }{
		{"Espresso Cup", "kitchen"},
		{"Walnut Cutting Board", "kitchen"},
		{"Wool Blanket", "home"},
		{"Desk Lamp", "home"},
	}
	cat := &catalog{byID: make(map[string]int)}
	for i := 0; i < len(adjectives)*len(articles); i++ {
		adj := adjectives[i%len(adjectives)]
		art := articles[i/len(adjectives)]
		p := Product{
			ID:       fmt.Sprintf("p-%d", 1001+i),
			Name:     adj + " " + art.name,
			Category: art.category,
			Description: fmt.Sprintf("The %s %s is made to last: sturdy materials, a calm design "+
				"and a finish that ages well. It is packed without plastic and ships within two "+
				"working days. Care: wipe with a damp cloth, keep away from direct heat.",
				strings.ToLower(adj), strings.ToLower(art.name)),
			PriceCents: int64(990 + 750*(i%9) + 125*(i%4)),
			Currency:   "EUR",
			Tags:       []string{art.category, strings.ToLower(adj)},
		}
		cat.byID[p.ID] = len(cat.products)
		cat.products = append(cat.products, p)
	}
	return cat
}

func (c *catalog) get(id string) (Product, bool) {
	i, ok := c.byID[id]
	if !ok {
		return Product{}, false
	}
	return c.products[i], true
}

// related returns up to n other products of p's category.
func (c *catalog) related(p Product, n int) []Product {
	var out []Product
	for _, q := range c.products {
		if len(out) == n {
			break
		}
		if q.Category == p.Category && q.ID != p.ID {
			out = append(out, q)
		}
	}
	return out
}

// LineItem is one line of an order or a cart.
type LineItem struct {
	ProductID string `json:"product_id" binding:"required"`
	Quantity  int    `json:"quantity" binding:"required,min=1,max=100"`
}

// PricedLine is a line item with its price.
type PricedLine struct {
	LineItem
	Name       string `json:"name"`
	UnitCents  int64  `json:"unit_cents"`
	TotalCents int64  `json:"total_cents"`
}

// Order is a placed order.
type Order struct {
	ID         string       `json:"id"`
	Email      string       `json:"email"`
	Lines      []PricedLine `json:"lines"`
	TotalCents int64        `json:"total_cents"`
	Currency   string       `json:"currency"`
	PlacedAt   time.Time    `json:"placed_at"`
}

// price prices items against the catalogue; it fails on unknown products
// and empty orders.
func (c *catalog) price(items []LineItem) ([]PricedLine, int64, error) {
	if len(items) == 0 {
		return nil, 0, fmt.Errorf("no items")
	}
	lines := make([]PricedLine, 0, len(items))
	var total int64
	for _, it := range items {
		p, ok := c.get(it.ProductID)
		if !ok {
			return nil, 0, fmt.Errorf("unknown product %q", it.ProductID)
		}
		if it.Quantity < 1 || it.Quantity > 100 {
			return nil, 0, fmt.Errorf("quantity of %s must be between 1 and 100", it.ProductID)
		}
		l := PricedLine{LineItem: it, Name: p.Name, UnitCents: p.PriceCents, TotalCents: p.PriceCents * int64(it.Quantity)}
		total += l.TotalCents
		lines = append(lines, l)
	}
	return lines, total, nil
}

// cart is a shopping cart. Carts live in an otter cache that expires idle
// ones, so abandoned carts do not pile up.
type cart struct {
	mu    sync.Mutex
	id    string
	items map[string]int // product ID -> quantity
}

// CartView is the JSON form of a cart.
type CartView struct {
	ID    string     `json:"id"`
	Items []LineItem `json:"items"`
}

func (c *cart) view() CartView {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := CartView{ID: c.id, Items: make([]LineItem, 0, len(c.items))}
	for id, q := range c.items {
		v.Items = append(v.Items, LineItem{ProductID: id, Quantity: q})
	}
	slices.SortFunc(v.Items, func(a, b LineItem) int { return strings.Compare(a.ProductID, b.ProductID) })
	return v
}

// confirmation is an order confirmation e-mail.
type confirmation struct {
	To        string
	OrderID   string
	RequestID string
	Language  string
}

// outbox stands for the mail relay's client. The relay itself is simulated
// by the handlers' waits (Options.RelayLatency).
type outbox struct {
	log  *slog.Logger
	sent atomic.Int64
}

func (o *outbox) deliver(m confirmation) {
	o.sent.Add(1)
	o.log.Debug("order confirmation sent", "order", m.OrderID, "request_id", m.RequestID, "lang", m.Language)
}

// ShippingQuote is a carrier's price for a parcel.
type ShippingQuote struct {
	Zip       string `json:"zip"`
	WeightG   int    `json:"weight_g"`
	Cents     int64  `json:"cents"`
	Currency  string `json:"currency"`
	Carrier   string `json:"carrier"`
	Estimated bool   `json:"estimated"` // true: the flat rate, the carrier was too slow
}

// carrier simulates a remote carrier API that takes latency to answer.
type carrier struct {
	latency time.Duration
}

func (c carrier) quote(ctx context.Context, zip string, weightG int) ShippingQuote {
	t := time.NewTimer(c.latency)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	cents := int64(450 + weightG/10)
	if strings.HasPrefix(zip, "9") {
		cents += 200 // islands
	}
	return ShippingQuote{Zip: zip, WeightG: weightG, Cents: cents, Currency: "EUR", Carrier: "parcelco"}
}

func (c carrier) flatRate(zip string, weightG int) ShippingQuote {
	return ShippingQuote{Zip: zip, WeightG: weightG, Cents: 990, Currency: "EUR", Carrier: "parcelco", Estimated: true}
}
