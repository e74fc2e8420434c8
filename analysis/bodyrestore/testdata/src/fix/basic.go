package fix

import (
	"bytes"
	"io"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
)

func ReadAll() gin.HandlerFunc {
	return func(c *gin.Context) {
		body, _ := io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
		log.Printf("%s", body)
		c.Next()
	}
}

func RawData(c *gin.Context) {
	raw, err := c.GetRawData() // want `read by c\.GetRawData`
	if err != nil {
		return
	}
	log.Println(len(raw))
	c.Next()
}

func VarDecl(c *gin.Context) {
	var body, _ = io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
	log.Println(len(body))
	c.Next()
}

func CopyBuffer(c *gin.Context) {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, c.Request.Body); err != nil { // want `read by io\.Copy`
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	c.Next()
}

func CopyPointer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := new(bytes.Buffer)
		io.Copy(buf, r.Body) // want `read by io\.Copy`
		next.ServeHTTP(w, r)
	})
}

func InSwitch(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodPost:
		b, _ := io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
		log.Println(len(b))
	}
	c.Next()
}

// --- reported without a fix ---

func Shadow(c *gin.Context) {
	bytes, _ := io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
	log.Println(len(bytes))
	c.Next()
}

func Interface(c *gin.Context) {
	var v any
	v, _ = io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
	log.Println(v)
	c.Next()
}

func Discard(c *gin.Context) {
	io.Copy(io.Discard, c.Request.Body) // want `read by io\.Copy`
	c.Next()
}

func IfInit(c *gin.Context) {
	if b, err := io.ReadAll(c.Request.Body); err == nil { // want `read by io\.ReadAll`
		log.Println(len(b))
	}
	c.Next()
}

func get(c *gin.Context) *http.Request { return c.Request }

func FromCall(c *gin.Context) {
	b, _ := io.ReadAll(get(c).Body) // want `read by io\.ReadAll`
	log.Println(len(b))
	c.Next()
}

func copied(n int64, err error) bool { return err == nil && n > 0 }

// The end of a case clause is the end of its body, which runs only when
// the case is chosen: no place to restore a body read in a case expression.
func CaseExpr(c *gin.Context) {
	var buf bytes.Buffer
	switch {
	case copied(io.Copy(&buf, c.Request.Body)): // want `read by io\.Copy`
		log.Println(buf.Len())
	}
	c.Next()
}

func SelectComm(c *gin.Context, ch chan bool) {
	var buf bytes.Buffer
	select {
	case ch <- copied(io.Copy(&buf, c.Request.Body)): // want `read by io\.Copy`
		log.Println(buf.Len())
	}
	c.Next()
}
