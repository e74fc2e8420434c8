package captured

import (
	"io"
	"log"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
	"github.com/ginleak/ginleak/guard"
)

type Payload struct{ Name string }

func Routes(r *gin.Engine) {
	r.Use(guard.CaptureBody(64 << 10))
	r.POST("/", Handle)
}

// CaptureBody has put the bytes in the context and the body back:
// ShouldBindBodyWith binds from the bytes, the body is still whole.
func Handle(c *gin.Context) {
	var p Payload
	if err := c.ShouldBindBodyWith(&p, binding.JSON); err != nil {
		return
	}
	again, _ := io.ReadAll(c.Request.Body)
	log.Println(len(again))
	var q Payload
	_ = c.ShouldBindJSON(&q) // want `c\.ShouldBindJSON reads the request body, which io\.ReadAll already consumed`
}
