// Package pergroup holds limits on one group: they cover that group's
// handlers only (examples/leakyshop/shop's /fixed and /leaky).
package pergroup

import (
	"io"
	"log"

	"github.com/gin-gonic/gin"
	"github.com/ginleak/ginleak/guard"
)

func Routes() *gin.Engine {
	r := gin.New()
	fixed := r.Group("/fixed")
	fixed.Use(guard.BodyLimit(1 << 20))
	fixed.POST("/checkout", fixedCheckout)
	fixed.Group("/sub").POST("/x", subHandler)
	nested := fixed.Group("/nested")
	nested.POST("/y", nestedHandler)

	inArgs := r.Group("/args", guard.BodyLimit(1<<20))
	inArgs.POST("/z", argsHandler)

	leaky := r.Group("/leaky")
	leaky.POST("/checkout", leakyCheckout)
	leaky.POST("/lit", func(c *gin.Context) {
		body, _ := io.ReadAll(c.Request.Body) // want `io\.ReadAll reads the whole request body with no size limit`
		log.Println(len(body))
	})
	// Shared by a limited and an unlimited group: reported.
	fixed.POST("/both", both)
	leaky.POST("/both", both)
	return r
}

// Negative: on the limited group.
func fixedCheckout(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body)
	log.Println(len(body))
}

// Negative: on a group made from the limited group, chained.
func subHandler(c *gin.Context) {
	raw, _ := c.GetRawData()
	log.Println(len(raw))
}

// Negative: on a group variable made from the limited group.
func nestedHandler(c *gin.Context) {
	raw, _ := c.GetRawData()
	log.Println(len(raw))
}

// Negative: the limit is given to Group.
func argsHandler(c *gin.Context) {
	raw, _ := c.GetRawData()
	log.Println(len(raw))
}

// Positive: another group, no limit.
func leakyCheckout(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body) // want `io\.ReadAll reads the whole request body with no size limit`
	log.Println(len(body))
}

func both(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body) // want `io\.ReadAll reads the whole request body with no size limit`
	log.Println(len(body))
}

// Positive: registered nowhere, and the limit is not on the engine.
func Unregistered(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body) // want `io\.ReadAll reads the whole request body with no size limit`
	log.Println(len(body))
}
