package setkey

import (
	"io"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
)

// A middleware that fills gin's body cache for every handler.
func precache(c *gin.Context) {
	b, _ := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20))
	c.Set(gin.BodyBytesKey, b)
	c.Next()
}

type T struct{ A int }

// ShouldBindBodyWith binds from the cached bytes: the body is untouched.
func Handle(c *gin.Context) {
	var a, b T
	_ = c.ShouldBindBodyWith(&a, binding.JSON)
	_ = c.ShouldBindJSON(&b)
}
