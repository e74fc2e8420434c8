// Package seed holds the chapter-1 snippets of the leak document.
package seed

import (
	"bytes"
	"io"
	"io/ioutil"
	"log"

	"github.com/gin-gonic/gin"
)

func BadMiddleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		// 错误:读取 Body 但未重新赋值,导致后续处理异常且资源无法释放
		body, _ := io.ReadAll(c.Request.Body) // want `request body is read by io\.ReadAll here but not restored before c\.Next\(\) at line 19`
		log.Printf("Request body: %s", body)
		// 缺失:c.Request.Body = ioutil.NopCloser(bytes.NewBuffer(body))
		c.Next()
	}
}

func GoodMiddleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		body, _ := io.ReadAll(c.Request.Body)
		log.Printf("Request body: %s", body)
		c.Request.Body = ioutil.NopCloser(bytes.NewBuffer(body))
		c.Next()
	}
}
