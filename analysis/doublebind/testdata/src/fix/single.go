package fix

import "github.com/gin-gonic/gin"

func Single(c *gin.Context) {
	var a, b map[string]any
	_ = c.ShouldBindTOML(&a)
	_ = c.ShouldBindTOML(&b) // want `already consumed`
}
