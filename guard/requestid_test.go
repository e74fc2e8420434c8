package guard

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRequestID(t *testing.T) {
	r := gin.New()
	r.Use(RequestID())
	var seen string
	r.GET("/", func(c *gin.Context) {
		seen = RequestIDFrom(c)
		if got := RequestIDFromContext(c); got != seen {
			t.Errorf("RequestIDFromContext(c) = %q, RequestIDFrom(c) = %q", got, seen)
		}
		c.Status(204)
	})
	do := func(hdr []string) string {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		for _, h := range hdr {
			req.Header.Add(RequestIDHeader, h)
		}
		rec := serve(r, req)
		got := rec.Header().Get(RequestIDHeader)
		if got != seen {
			t.Errorf("response header %q, handler saw %q", got, seen)
		}
		return got
	}

	for _, valid := range []string{"abc", "req-1.2_3:4", strings.Repeat("a", 128)} {
		if got := do([]string{valid}); got != valid {
			t.Errorf("valid client ID %q: got %q, want it echoed", valid, got)
		}
	}
	if got := do([]string{"first", "second"}); got != "first" {
		t.Errorf("two IDs: got %q, want the first", got)
	}
	seenIDs := map[string]bool{}
	for _, invalid := range [][]string{nil, {""}, {strings.Repeat("a", 129)}, {"a b"}, {"<script>"}, {"é"}, {"a\nb"}} {
		got := do(invalid)
		if !uuidV4.MatchString(got) {
			t.Errorf("client ID %q: got %q, want a new UUIDv4", invalid, got)
		}
		if seenIDs[got] {
			t.Errorf("ID %q generated twice", got)
		}
		seenIDs[got] = true
	}
}

func TestRequestIDUnique(t *testing.T) {
	ids := map[string]bool{}
	for range 10000 {
		id := newRequestID()
		if ids[id] || !uuidV4.MatchString(id) {
			t.Fatalf("ID %q duplicate or malformed", id)
		}
		ids[id] = true
	}
}

func TestRequestIDFromEmpty(t *testing.T) {
	if RequestIDFrom(nil) != "" || RequestIDFromContext(nil) != "" || RequestIDFromContext(context.Background()) != "" { //nolint:staticcheck // nil context on purpose
		t.Error("want empty IDs")
	}
}
