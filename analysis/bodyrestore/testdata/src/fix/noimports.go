package fix

import (
	"io/ioutil"
	"log"

	"github.com/gin-gonic/gin"
)

func Ioutil(c *gin.Context) {
	data, err := ioutil.ReadAll(c.Request.Body) // want `read by ioutil\.ReadAll`
	if err != nil {
		c.AbortWithStatus(400)
		return
	}
	log.Println(len(data))
	c.Next()
}

func Twice(c *gin.Context) {
	data, _ := ioutil.ReadAll(c.Request.Body) // want `read by ioutil\.ReadAll`
	log.Println(len(data))
	c.Next()
}
