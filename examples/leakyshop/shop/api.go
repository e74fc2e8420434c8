package shop

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// The shop's ordinary API, under /api. None of it leaks.

// ErrorResponse is the JSON body of every 4xx answer.
type ErrorResponse struct {
	Error string `json:"error"`
}

func abortWith(c *gin.Context, status int, msg string) {
	c.AbortWithStatusJSON(status, ErrorResponse{Error: msg})
}

func (s *Shop) listProducts(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"products": s.catalog.products})
}

func (s *Shop) getProduct(c *gin.Context) {
	p, ok := s.catalog.get(c.Param("id"))
	if !ok {
		abortWith(c, http.StatusNotFound, "no such product")
		return
	}
	c.JSON(http.StatusOK, p)
}

func (s *Shop) createCart(c *gin.Context) {
	var raw [8]byte
	if _, err := rand.Read(raw[:]); err != nil {
		abortWith(c, http.StatusInternalServerError, "cannot create a cart id")
		return
	}
	ct := &cart{id: "c-" + hex.EncodeToString(raw[:]), items: make(map[string]int)}
	s.carts.Set(ct.id, ct)
	c.JSON(http.StatusCreated, ct.view())
}

func (s *Shop) cart(c *gin.Context) (*cart, bool) {
	ct, ok := s.carts.GetIfPresent(c.Param("id"))
	if !ok {
		abortWith(c, http.StatusNotFound, "no such cart")
	}
	return ct, ok
}

func (s *Shop) getCart(c *gin.Context) {
	ct, ok := s.cart(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, ct.view())
}

func (s *Shop) addCartItem(c *gin.Context) {
	ct, ok := s.cart(c)
	if !ok {
		return
	}
	var it LineItem
	if err := c.ShouldBindJSON(&it); err != nil {
		abortWith(c, http.StatusBadRequest, "invalid item: "+err.Error())
		return
	}
	if _, ok := s.catalog.get(it.ProductID); !ok {
		abortWith(c, http.StatusNotFound, "no such product")
		return
	}
	ct.mu.Lock()
	q := ct.items[it.ProductID] + it.Quantity
	if q > 100 {
		ct.mu.Unlock()
		abortWith(c, http.StatusUnprocessableEntity, "at most 100 of a product per cart")
		return
	}
	ct.items[it.ProductID] = q
	ct.mu.Unlock()
	c.JSON(http.StatusOK, ct.view())
}

func (s *Shop) removeCartItem(c *gin.Context) {
	ct, ok := s.cart(c)
	if !ok {
		return
	}
	ct.mu.Lock()
	delete(ct.items, c.Param("product"))
	ct.mu.Unlock()
	c.JSON(http.StatusOK, ct.view())
}

// CheckoutRequest is the body of POST /api/carts/:id/checkout (items come
// from the cart) and of the express checkouts /leaky/checkout and
// /fixed/checkout (items in the body).
type CheckoutRequest struct {
	Email string     `json:"email" binding:"required,email"`
	Items []LineItem `json:"items" binding:"omitempty,dive"`
}

func (s *Shop) checkoutCart(c *gin.Context) {
	ct, ok := s.cart(c)
	if !ok {
		return
	}
	var req CheckoutRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		abortWith(c, http.StatusBadRequest, "invalid checkout: "+err.Error())
		return
	}
	order, err := s.placeOrder(req.Email, ct.view().Items)
	if err != nil {
		abortWith(c, http.StatusUnprocessableEntity, err.Error())
		return
	}
	s.carts.Invalidate(ct.id)
	s.confirmLater(c, order, c.GetString(requestIDKey))
	c.JSON(http.StatusCreated, order)
}

// bindCheckout reads an express checkout and places the order; on failure
// it has answered and returns false.
func (s *Shop) bindCheckout(c *gin.Context) (Order, bool) {
	var req CheckoutRequest
	if err := c.ShouldBindJSON(&req); err != nil {
		abortWith(c, http.StatusBadRequest, "invalid checkout: "+err.Error())
		return Order{}, false
	}
	order, err := s.placeOrder(req.Email, req.Items)
	if err != nil {
		abortWith(c, http.StatusUnprocessableEntity, err.Error())
		return Order{}, false
	}
	return order, true
}

// placeOrder prices the items and numbers the order. In a real shop this is
// where the order is written to the database; the demo keeps no orders, so
// that placing them costs no memory.
func (s *Shop) placeOrder(email string, items []LineItem) (Order, error) {
	lines, total, err := s.catalog.price(items)
	if err != nil {
		return Order{}, err
	}
	return Order{
		ID:         "o-" + strconv.FormatInt(s.orders.Add(1), 10),
		Email:      email,
		Lines:      lines,
		TotalCents: total,
		Currency:   "EUR",
		PlacedAt:   time.Now().UTC(),
	}, nil
}
