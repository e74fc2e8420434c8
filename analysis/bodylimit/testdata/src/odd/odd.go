package odd

import (
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
)

type Ctx = gin.Context

func Alias(c *Ctx) {
	raw, _ := c.GetRawData() // want `c\.GetRawData reads the whole request body with no size limit`
	log.Println(len(raw))
}

// A generic helper that takes the context.
func Decode[T any](c *gin.Context, v *T) []byte {
	raw, _ := c.GetRawData() // want `no size limit`
	_ = v
	return raw
}

// Method values are not followed (no crash).
func MethodValue(c *gin.Context) {
	get := c.GetRawData
	raw, _ := get()
	log.Println(len(raw))
}

type wrapper struct{ *gin.Context }

// A struct around the context is not a handler's parameter: not checked.
func Embedded(w wrapper) {
	raw, _ := (w.Context).GetRawData()
	log.Println(len(raw))
}

func EmbeddedHandler(c *gin.Context) {
	w := wrapper{c}
	raw, _ := (w.Context).GetRawData() // want `w\.Context\.GetRawData reads the whole request body with no size limit: .* wrap it: w\.Context\.Request\.Body = http\.MaxBytesReader\(w\.Context\.Writer`
	log.Println(len(raw))
}

// A request that is not a pointer.
func Value(w http.ResponseWriter, r *http.Request) {
	req := *r
	readValue(w, req)
}

func readValue(w http.ResponseWriter, req http.Request) {
	_ = w
	_ = req
}

var global = func(c *gin.Context) {
	raw, _ := c.GetRawData() // want `no size limit`
	log.Println(len(raw))
}
