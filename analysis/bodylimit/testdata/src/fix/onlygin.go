package fix

import (
	"github.com/gin-gonic/gin"
)

func OnlyGin(c *gin.Context) {
	raw, _ := c.GetRawData() // want `no size limit`
	_ = raw
}
