package a

import (
	"bytes"
	"io"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
)

type User struct{ Name string }

// --- reported ---

func BindTwice(c *gin.Context) {
	var a, b User
	if err := c.ShouldBind(&a); err != nil {
		log.Println(err)
	}
	if err := c.ShouldBindJSON(&b); err != nil { // want `c\.ShouldBindJSON reads the request body, which c\.ShouldBind already consumed at line 19: the second bind sees an empty body \(EOF\) — bind once, or use c\.ShouldBindBodyWith\(&v, binding\.JSON\) for both`
		log.Println(err)
	}
}

// Try JSON, fall back to XML: the fallback always sees an empty body.
func Fallback(c *gin.Context) {
	var u User
	if err := c.ShouldBindJSON(&u); err != nil {
		if err := c.ShouldBindXML(&u); err != nil { // want `c\.ShouldBindXML reads the request body, which c\.ShouldBindJSON already consumed at line 30: .* use c\.ShouldBindBodyWith\(&v, binding\.XML\) for both`
			c.AbortWithStatus(http.StatusBadRequest)
			return
		}
	}
	c.JSON(http.StatusOK, u)
}

func RawThenBind(c *gin.Context) {
	raw, _ := c.GetRawData()
	log.Println(len(raw))
	var u User
	_ = c.ShouldBindJSON(&u) // want `c\.ShouldBindJSON reads the request body, which c\.GetRawData already consumed at line 40: the second bind sees an empty body \(EOF\) — read the body once and reuse the bytes, or put them back with c\.Request\.Body = io\.NopCloser\(bytes\.NewReader\(body\)\) after the first read`
}

func ReadAllThenBind(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body)
	log.Println(len(body))
	var u User
	if c.BindJSON(&u) != nil { // want `c\.BindJSON reads the request body, which io\.ReadAll already consumed at line 47`
		return
	}
}

func BindThenRaw(c *gin.Context) {
	var u User
	_ = c.ShouldBindJSON(&u)
	raw, _ := c.GetRawData() // want `c\.GetRawData reads the request body, which c\.ShouldBindJSON already consumed at line 57: it gets an empty body — read the body once`
	log.Println(len(raw))
}

func CachedThenPlain(c *gin.Context) {
	var a, b User
	_ = c.ShouldBindBodyWith(&a, binding.JSON)
	_ = c.ShouldBindJSON(&b) // want `c\.ShouldBindJSON reads the request body, which c\.ShouldBindBodyWith already consumed at line 64: .* use c\.ShouldBindBodyWith\(&v, binding\.JSON\) for this bind too`
}

func PlainThenCached(c *gin.Context) {
	var a, b User
	_ = c.ShouldBindJSON(&a)
	_ = c.ShouldBindBodyWithJSON(&b) // want `c\.ShouldBindBodyWithJSON reads the request body, which c\.ShouldBindJSON already consumed`
}

func MustThenBind(c *gin.Context) {
	var a, b User
	_ = c.MustBindWith(&a, binding.YAML)
	_ = c.Bind(&b) // want `c\.Bind reads the request body, which c\.MustBindWith already consumed`
}

func FormThenRaw(c *gin.Context) {
	var a User
	_ = c.ShouldBindWith(&a, binding.Form)
	b, _ := io.ReadAll(c.Request.Body) // want `io\.ReadAll reads the request body, which c\.ShouldBindWith already consumed`
	log.Println(len(b))
}

func DefaultBinding(c *gin.Context) {
	var a, b User
	_ = c.ShouldBindWith(&a, binding.Default(c.Request.Method, c.ContentType()))
	_ = c.ShouldBindTOML(&b) // want `c\.ShouldBindTOML reads the request body, which c\.ShouldBindWith already consumed`
}

// The first bind is conditional: the path without it is fine, the one
// with it is not.
func Conditional(c *gin.Context, strict bool) {
	var a, b User
	if strict {
		_ = c.ShouldBindJSON(&a)
	}
	_ = c.ShouldBindJSON(&b) // want `c\.ShouldBindJSON reads the request body, which c\.ShouldBindJSON already consumed at line 98`
}

// Trying every binding in turn: from the second one on, the body is gone.
func TryAll(c *gin.Context) {
	var u User
	for _, b := range []binding.BindingBody{binding.JSON, binding.XML} {
		if err := c.ShouldBindWith(&u, b); err == nil { // want `c\.ShouldBindWith reads the request body on every iteration of the loop: from the second iteration on it sees an empty body \(EOF\) — bind once before the loop, or use c\.ShouldBindBodyWith\(&v, b\)`
			c.JSON(http.StatusOK, u)
			return
		}
	}
	c.Status(http.StatusBadRequest)
}

// WithContext keeps the same body.
func WithContext(c *gin.Context) {
	var a, b User
	_ = c.ShouldBindJSON(&a)
	c.Request = c.Request.WithContext(c.Request.Context())
	_ = c.ShouldBindJSON(&b) // want `already consumed`
}

func Register(r *gin.Engine) {
	r.POST("/users", func(ctx *gin.Context) {
		var a, b User
		_ = ctx.BindJSON(&a)
		_ = ctx.BindXML(&b) // want `ctx\.BindXML reads the request body, which ctx\.BindJSON already consumed`
	})
}

// A literal inside a handler is checked on its own.
func Inner(c *gin.Context) {
	check := func() {
		var a, b User
		_ = c.ShouldBindJSON(&a)
		_ = c.ShouldBindJSON(&b) // want `already consumed`
	}
	check()
}

func Suppressed(c *gin.Context) {
	var a, b User
	_ = c.ShouldBindJSON(&a)
	//ginleak:ignore doublebind the test client sends the body twice
	_ = c.ShouldBindJSON(&b)
}

// --- not reported ---

func IfElse(c *gin.Context, xml bool) {
	var u User
	if xml {
		_ = c.ShouldBindXML(&u)
	} else {
		_ = c.ShouldBindJSON(&u)
	}
}

func ByContentType(c *gin.Context) {
	var u User
	switch c.ContentType() {
	case "application/json":
		_ = c.ShouldBindJSON(&u)
	case "application/xml":
		_ = c.BindXML(&u)
	default:
		raw, _ := c.GetRawData()
		log.Println(len(raw))
	}
}

func EarlyReturn(c *gin.Context, legacy bool) {
	var u User
	if legacy {
		if err := c.ShouldBindXML(&u); err != nil {
			c.AbortWithStatus(http.StatusBadRequest)
			return
		}
		c.JSON(http.StatusOK, u)
		return
	}
	_ = c.ShouldBindJSON(&u)
}

func Panics(c *gin.Context) {
	var a, b User
	if c.Query("v1") != "" {
		_ = c.ShouldBindJSON(&a)
		panic("unsupported")
	}
	_ = c.ShouldBindJSON(&b)
}

func Restored(c *gin.Context) {
	raw, _ := c.GetRawData()
	c.Request.Body = io.NopCloser(bytes.NewReader(raw))
	var u User
	_ = c.ShouldBindJSON(&u)
}

func RestoredInline(c *gin.Context) {
	c.Request.Body = io.NopCloser(bytes.NewReader(mustRead(c.GetRawData())))
	var u User
	_ = c.ShouldBindJSON(&u)
}

func mustRead(b []byte, _ error) []byte { return b }

func CachedTwice(c *gin.Context) {
	var a User
	var b map[string]any
	_ = c.ShouldBindBodyWith(&a, binding.JSON)
	_ = c.ShouldBindBodyWithJSON(&b)
	_ = c.ShouldBindBodyWith(&b, binding.JSON)
}

func NotTheBody(c *gin.Context) {
	var q, u, h, p User
	_ = c.ShouldBindQuery(&q)
	_ = c.ShouldBindUri(&u)
	_ = c.ShouldBindHeader(&h)
	_ = c.BindQuery(&q)
	_ = c.BindUri(&u)
	_ = c.BindHeader(&h)
	_ = c.ShouldBindWith(&q, binding.Query)
	_ = c.ShouldBindWith(&h, binding.Header)
	_ = c.ShouldBindJSON(&p)
}

func FormTwice(c *gin.Context) {
	var a, b User
	_ = c.ShouldBindWith(&a, binding.Form)
	_ = c.ShouldBindWith(&b, binding.FormPost)
}

// A form bind and a JSON bind expect different content types: at most one
// of them reads the body of any one request.
func FormAndJSON(c *gin.Context) {
	var a, b User
	_ = c.ShouldBindWith(&a, binding.Form)
	_ = c.ShouldBindJSON(&b)
}

// An unknown binding value is not counted.
func Unknown(c *gin.Context, b binding.Binding) {
	var x, y User
	_ = c.ShouldBindWith(&x, b)
	_ = c.ShouldBindJSON(&y)
}

func Deferred(c *gin.Context) {
	var a, b User
	defer c.ShouldBindJSON(&a)
	go c.ShouldBindJSON(&b)
	_ = c.ShouldBindJSON(&b)
}

// Two contexts, two requests.
func TwoContexts(c, other *gin.Context) {
	var a, b User
	_ = c.ShouldBindJSON(&a)
	_ = other.ShouldBindJSON(&b)
}

// A closure is a function of its own: its read is not on the handler's path.
func Closure(c *gin.Context) {
	var a, b User
	_ = c.ShouldBindJSON(&a)
	later := func() { _ = c.ShouldBindJSON(&b) }
	_ = later
}

func LoopReturns(c *gin.Context, n int) {
	var u User
	for i := 0; i < n; i++ {
		_ = c.ShouldBindJSON(&u)
		return
	}
}

// Not a handler: no *gin.Context, no (http.ResponseWriter, *http.Request).
func notHandler(r *http.Request) {
	a, _ := io.ReadAll(r.Body)
	b, _ := io.ReadAll(r.Body)
	log.Println(len(a), len(b))
}

// A goto back to an earlier read: no loop, still a second read.
func GotoBack(c *gin.Context) {
	var a, b User
	goto second
first:
	_ = c.ShouldBindJSON(&a) // want `c\.ShouldBindJSON reads the request body, which c\.ShouldBindXML already consumed at line \d+`
	return
second:
	_ = c.ShouldBindXML(&b)
	goto first
}

// The first read is reached from the later one on the next iteration.
func RetryAfter(c *gin.Context, n int) {
	var a, b User
	for i := 0; i < n; i++ {
		if i > 0 {
			_ = c.ShouldBindJSON(&a) // want `c\.ShouldBindJSON reads the request body, which c\.ShouldBindXML already consumed at line \d+`
			return
		}
		_ = c.ShouldBindXML(&b) // want `c\.ShouldBindXML reads the request body on every iteration of the loop`
	}
}
