package odd

import (
	"bytes"
	"io"
	"log"
	"net/http"

	. "github.com/gin-gonic/gin"
)

type Ctx = Context

// A dot import and an alias of *gin.Context.
func Dot(c *Ctx) {
	b, _ := io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
	log.Println(len(b))
	c.Next()
}

// Generic middleware factory.
func Generic[T any](v T) HandlerFunc {
	return func(c *Context) {
		b, _ := c.GetRawData() // want `read by c\.GetRawData`
		log.Println(v, len(b))
		c.Next()
	}
}

type Wrapper[T any] struct{ h func(*Context) }

func (w Wrapper[T]) Handle(c *Context) {
	b, _ := io.ReadAll(c.Request.Body) // want `before w\.h\(c\)`
	log.Println(len(b))
	w.h(c)
}

// A custom context embedding *gin.Context.
type MyCtx struct{ *Context }

func Embedded(m MyCtx) {
	b, _ := io.ReadAll(m.Request.Body) // want `read by io\.ReadAll`
	log.Println(len(b))
	m.Next()
}

// Method values are not followed: n() is not recognised as c.Next().
func MethodValue(c *Context) {
	n := c.Next
	raw := c.GetRawData
	b, _ := raw()
	_, _ = io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
	log.Println(len(b))
	n()
	c.Next()
}

// The read result kept in an interface: the message still names a variable
// but no fix is offered.
func Interface(c *Context) {
	var v any
	var err error
	v, err = io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
	log.Println(v, err)
	c.Next()
}

// A body field of something that is not a request.
type fake struct{ Body io.Reader }

func NotRequest(c *Context, f fake) {
	b, _ := io.ReadAll(f.Body)
	log.Println(len(b))
	c.Next()
}

// A func-typed field called ServeHTTP.
type odd struct {
	ServeHTTP func(http.ResponseWriter, *http.Request)
}

func FieldServeHTTP(o odd, w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body) // want `before o\.ServeHTTP\(w, r\)`
	log.Println(len(b))
	o.ServeHTTP(w, r)
}

// Conversions and builtins are not calls of handlers.
func Conversions(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	h := http.HandlerFunc(Conversions)
	_ = len(b)
	_ = h
	r.Body = io.NopCloser(bytes.NewReader(b))
}

// Package-level initialisers hold no middleware.
var handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})

var _, _ = io.ReadAll(bytes.NewReader(nil))

// Reads of a request obtained from a call cannot be repeated in a fix.
func get(c *Context) *http.Request { return c.Request }

func FromCall(c *Context) {
	b, _ := io.ReadAll(get(c).Body) // want `assign get\(c\)\.Body = `
	log.Println(len(b))
	c.Next()
}

// A variable named bytes shadows the package: no fix, still reported.
func Shadow(c *Context) {
	bytes, _ := io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
	log.Println(len(bytes))
	c.Next()
}
