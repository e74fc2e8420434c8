package odd

import (
	. "time"

	"github.com/gin-gonic/gin"
)

func dotAfterFunc(c *gin.Context) {
	AfterFunc(Second, func() { _ = c.Query("q") }) // want `\*gin\.Context c is used by a time\.AfterFunc callback`
}
