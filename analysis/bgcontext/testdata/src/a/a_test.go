package a

import (
	"context"

	"github.com/gin-gonic/gin"
)

// Test files are not checked.
func testHandler(c *gin.Context) {
	audit(context.Background(), "test")
}
