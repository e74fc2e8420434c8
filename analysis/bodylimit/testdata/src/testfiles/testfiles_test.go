package testfiles

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"
)

// A mock upstream that echoes what it is sent: not a finding.
func TestUpload(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Write(body)
	}))
	defer srv.Close()
}

func mockGin(c *gin.Context) {
	raw, _ := c.GetRawData()
	c.Data(http.StatusOK, "text/plain", raw)
}
