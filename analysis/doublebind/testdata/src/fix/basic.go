package fix

import (
	"net/http"

	"github.com/gin-gonic/gin" // the web framework
)

type User struct{ Name string }

func JSONThenXML(c *gin.Context) {
	var u User
	if err := c.ShouldBindJSON(&u); err != nil {
		if err := c.ShouldBindXML(&u); err != nil { // want `c\.ShouldBindXML reads the request body`
			c.AbortWithStatus(http.StatusBadRequest)
			return
		}
	}
	c.JSON(http.StatusOK, u)
}

func Three(c *gin.Context) {
	var a, b, d User
	_ = c.ShouldBindJSON(&a)
	_ = c.ShouldBindJSON(&b) // want `already consumed`
	_ = c.ShouldBindYAML(&d) // want `already consumed`
}
