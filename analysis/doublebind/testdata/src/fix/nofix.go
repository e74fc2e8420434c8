package fix

import (
	"io"

	"github.com/gin-gonic/gin"
)

// Bind* abort with 400 on error: no fix.
func Binds(c *gin.Context) {
	var a, b User
	_ = c.BindJSON(&a)
	_ = c.BindJSON(&b) // want `already consumed`
}

// Raw reads: no fix.
func Raw(c *gin.Context) {
	var a User
	_ = c.ShouldBindJSON(&a)
	_, _ = io.ReadAll(c.Request.Body) // want `already consumed`
}

// ShouldBind picks the binding at run time: no fix.
func NoKind(c *gin.Context) {
	var a, b User
	_ = c.ShouldBind(&a)
	_ = c.ShouldBindJSON(&b) // want `already consumed`
}

// A local named binding hides the package: no fix.
func Shadowed(c *gin.Context) {
	binding := "json"
	var a, b User
	_ = c.ShouldBindJSON(&a)
	_ = c.ShouldBindJSON(&b) // want `already consumed`
	_ = binding
}
