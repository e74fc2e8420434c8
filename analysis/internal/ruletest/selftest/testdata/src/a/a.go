package a

import "github.com/gin-gonic/gin"

func H(c *gin.Context) {} // want `gin handler H`

//ginleak:ignore selftest it is fine
func G(c *gin.Context) {}

//ginleak:ignore selftest
func K(c *gin.Context) {} // want `gin handler K`
