package a

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
)

// Test files start throwaway servers: not reported.
func TestServer(t *testing.T) {
	srv := &http.Server{Handler: http.NotFoundHandler()}
	go srv.ListenAndServe()
	go http.ListenAndServe(":0", nil)
	go gin.New().Run(":0")
}
