// Package fiximport has no time import: the fix adds it, once.
package fiximport

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func Proxy(c *gin.Context) {
	cl := &http.Client{} // want `http\.Client literal has no Timeout`
	_, _ = cl.Get("http://upstream")
}

var shared = &http.Client{ // want `http\.Client literal has no Timeout`
	Transport: http.DefaultTransport,
}
