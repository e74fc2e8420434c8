package odd

import (
	. "io"
	"log"

	. "github.com/gin-gonic/gin"
)

func Dot(c *Context) {
	body, _ := ReadAll(c.Request.Body) // want `io\.ReadAll reads the whole request body with no size limit`
	log.Println(len(body))
}
