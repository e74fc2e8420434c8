package a

import (
	"bytes"
	"io"
	"io/ioutil"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
)

// --- reported ---

func Upload(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body) // want `io\.ReadAll reads the whole request body with no size limit: one large request can exhaust memory — wrap it: c\.Request\.Body = http\.MaxBytesReader\(c\.Writer, c\.Request\.Body, 1<<20\), or register guard\.BodyLimit`
	if err != nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	c.Data(http.StatusOK, "application/octet-stream", body)
}

func Legacy(c *gin.Context) {
	body, _ := ioutil.ReadAll(c.Request.Body) // want `ioutil\.ReadAll reads the whole request body with no size limit`
	log.Println(len(body))
}

func Raw(ctx *gin.Context) {
	raw, _ := ctx.GetRawData() // want `ctx\.GetRawData reads the whole request body with no size limit: .* wrap it: ctx\.Request\.Body = http\.MaxBytesReader\(ctx\.Writer, ctx\.Request\.Body, 1<<20\), or register guard\.BodyLimit`
	log.Println(len(raw))
}

func Audit() gin.HandlerFunc {
	return func(c *gin.Context) {
		body, _ := io.ReadAll(c.Request.Body) // want `io\.ReadAll reads the whole request body`
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
		c.Next()
	}
}

// The limit comes too late.
func LimitAfter(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body) // want `no size limit`
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)
	log.Println(len(body))
}

// A limit set in another literal does not bound this one.
func OtherLiteral(c *gin.Context) {
	limit := func() { c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20) }
	_ = limit
	body, _ := io.ReadAll(c.Request.Body) // want `no size limit`
	log.Println(len(body))
}

func Alias(c *gin.Context) {
	req := c.Request
	body, _ := io.ReadAll(req.Body) // want `wrap it: req\.Body = http\.MaxBytesReader\(c\.Writer, req\.Body, 1<<20\)`
	log.Println(len(body))
}

// Content-Length is what the client says; chunked requests have none.
func ContentLength(c *gin.Context) {
	if c.Request.ContentLength > 1<<20 {
		c.AbortWithStatus(http.StatusRequestEntityTooLarge)
		return
	}
	body, _ := io.ReadAll(c.Request.Body) // want `no size limit`
	log.Println(len(body))
}

// A new body that is not limited is no limit.
func NopCloser(c *gin.Context) {
	c.Request.Body = io.NopCloser(c.Request.Body)
	body, _ := io.ReadAll(c.Request.Body) // want `no size limit`
	log.Println(len(body))
}

// A helper that takes the context is request handling too.
func readBody(c *gin.Context) ([]byte, error) {
	return io.ReadAll(c.Request.Body) // want `no size limit`
}

func Suppressed(c *gin.Context) {
	//ginleak:ignore bodylimit the ingress caps bodies at 64 KiB
	body, _ := io.ReadAll(c.Request.Body)
	log.Println(len(body))
}

// --- not reported ---

func LimitReader(c *gin.Context) {
	body, _ := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20))
	log.Println(len(body))
}

func MaxBytesArg(c *gin.Context) {
	body, _ := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20))
	log.Println(len(body))
}

func LimitFirst(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		c.AbortWithStatus(http.StatusRequestEntityTooLarge)
		return
	}
	log.Println(len(body))
}

func LimitFirstRaw(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 4<<10)
	raw, _ := c.GetRawData()
	log.Println(len(raw))
}

func LimitedNopCloser(c *gin.Context) {
	c.Request.Body = io.NopCloser(io.LimitReader(c.Request.Body, 1<<20))
	raw, _ := c.GetRawData()
	log.Println(len(raw))
}

// The handler limits the body before the literal reads it.
func Outer(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)
	read := func() []byte {
		b, _ := io.ReadAll(c.Request.Body)
		return b
	}
	log.Println(len(read()))
}

func limitBody(c *gin.Context, n int64) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
}

func ViaHelper(c *gin.Context) {
	limitBody(c, 1<<20)
	raw, _ := c.GetRawData()
	log.Println(len(raw))
}

// An upstream response is not the request body.
func Upstream(c *gin.Context) {
	resp, err := http.Get("http://upstream")
	if err != nil {
		return
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.Data(http.StatusOK, "text/plain", b)
}

// Not a handler: no *gin.Context, no (http.ResponseWriter, *http.Request).
func decode(r *http.Request) []byte {
	b, _ := io.ReadAll(r.Body)
	return b
}

// Only whole reads are reported.
func Stream(c *gin.Context) {
	_, _ = io.Copy(io.Discard, c.Request.Body)
}
