package a

import (
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"
)

// Test files are not checked.
var testClient = &http.Client{}

func testHandler(c *gin.Context) {
	_, _ = http.Get("http://test")
}

func TestX(t *testing.T) {}
