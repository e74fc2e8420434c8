package seed

import (
	"bytes"
	"io"
	"io/ioutil"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
)

// Chapter 1.1: the body is read in full, with no limit.
func BadMiddleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		// 错误:读取 Body 但未重新赋值,导致后续处理异常且资源无法释放
		body, _ := io.ReadAll(c.Request.Body) // want `io\.ReadAll reads the whole request body with no size limit`
		log.Printf("Request body: %s", body)
		// 缺失:c.Request.Body = ioutil.NopCloser(bytes.NewBuffer(body))
		c.Next()
	}
}

// The restored version still reads without a limit.
func RestoringMiddleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		body, _ := io.ReadAll(c.Request.Body) // want `io\.ReadAll reads the whole request body with no size limit`
		c.Request.Body = ioutil.NopCloser(bytes.NewBuffer(body))
		c.Next()
	}
}

// Bounded and restored: fine.
func GoodMiddleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)
		body, err := io.ReadAll(c.Request.Body)
		if err != nil {
			c.AbortWithStatus(http.StatusRequestEntityTooLarge)
			return
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
		c.Next()
	}
}
