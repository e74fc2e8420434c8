package fix

import "github.com/gin-gonic/gin"

func Single(c *gin.Context) {
	raw, _ := c.GetRawData() // want `read by c\.GetRawData`
	_ = raw
	c.Next()
}
