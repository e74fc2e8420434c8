package a

import (
	"log"
	"net/http/httptest"
	"testing"
)

// Test files log fixture credentials: not reported.
func TestLogsFixture(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer test-token")
	log.Printf("%v", r.Header)
	log.Println(r.Header.Get("Authorization"))
}
