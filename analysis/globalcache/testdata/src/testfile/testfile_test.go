package testfile

import (
	"net/http"
	"testing"
)

// A test's handler does not run in the server.
func TestHits(t *testing.T) {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { hits[r.URL.Path]++ })
}
