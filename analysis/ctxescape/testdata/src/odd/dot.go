package odd

import (
	. "github.com/gin-gonic/gin"
)

var dotKeep *Context

func dotImport(c *Context) {
	dotKeep = c                      // want `\*gin\.Context c is stored in package-level variable dotKeep`
	go func() { c.JSON(200, H{}) }() // want `\*gin\.Context c is used by a goroutine`
	go c.Copy().JSON(200, nil)
}
