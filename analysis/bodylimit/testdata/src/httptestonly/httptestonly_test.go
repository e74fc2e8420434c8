package httptestonly

import (
	"net/http"
	"testing"
)

func TestUpload(t *testing.T) {
	h := limit(http.HandlerFunc(Upload))
	_ = h
}
