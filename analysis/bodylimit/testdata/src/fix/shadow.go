package fix

import (
	"io"

	"github.com/gin-gonic/gin"
)

// A local called http hides the package the fix would add: no fix.
func Shadow(c *gin.Context) {
	http := "h2"
	body, _ := io.ReadAll(c.Request.Body) // want `no size limit`
	_, _ = http, body
}
