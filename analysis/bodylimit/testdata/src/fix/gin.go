package fix

import (
	"io"
	"log"

	"github.com/gin-gonic/gin"
)

func Upload(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body) // want `no size limit`
	if err != nil {
		return
	}
	log.Println(len(body))
}

func IfInit(c *gin.Context) {
	if raw, err := c.GetRawData(); err == nil { // want `no size limit`
		log.Println(len(raw))
	}
}

func InCase(c *gin.Context) {
	switch c.ContentType() {
	case "application/octet-stream":
		// Keep the bytes.
		b, _ := io.ReadAll(c.Request.Body) // want `no size limit`
		log.Println(len(b))
	}
}

func Factory() gin.HandlerFunc {
	return func(ctx *gin.Context) { b, _ := ctx.GetRawData(); log.Println(len(b)) } // want `no size limit`
}

func Alias(c *gin.Context) {
	req := c.Request
	body, _ := io.ReadAll(req.Body) // want `no size limit`
	log.Println(len(body))
}

func Labeled(c *gin.Context) {
loop:
	for {
		b, _ := io.ReadAll(c.Request.Body) // want `no size limit`
		if len(b) == 0 {
			break loop
		}
	}
}
