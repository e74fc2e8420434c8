package guard

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// goid returns the current goroutine's ID, parsed from its stack header.
func goid() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	buf = bytes.TrimPrefix(buf, []byte("goroutine "))
	if i := bytes.IndexByte(buf, ' '); i > 0 {
		return string(buf[:i])
	}
	return ""
}

func TestTimeout(t *testing.T) {
	const d = 50 * time.Millisecond
	r := gin.New()
	r.Use(Timeout(d))
	var handlerGoroutine string
	r.GET("/wait", func(c *gin.Context) {
		handlerGoroutine = goid()
		<-c.Request.Context().Done() // honours the deadline, writes nothing
	})
	r.GET("/wrote", func(c *gin.Context) {
		c.String(http.StatusOK, "partial")
		<-c.Request.Context().Done()
	})
	r.GET("/fast", func(c *gin.Context) {
		dl, ok := c.Request.Context().Deadline()
		if !ok || time.Until(dl) > d {
			t.Errorf("deadline %v, %v; want one within %v", dl, ok, d)
		}
		c.String(http.StatusOK, "ok")
	})

	caller := goid()
	rec := serve(r, httptest.NewRequest(http.MethodGet, "/wait", nil))
	if rec.Code != http.StatusGatewayTimeout {
		t.Fatalf("/wait: status %d, want 504", rec.Code)
	}
	if e := jsonError(t, rec.Body.Bytes()); e.Status != 504 {
		t.Errorf("/wait: body %+v", e)
	}
	if handlerGoroutine != caller {
		t.Errorf("handler ran on goroutine %s, the caller is %s: Timeout must not start goroutines", handlerGoroutine, caller)
	}

	rec = serve(r, httptest.NewRequest(http.MethodGet, "/wrote", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "partial" {
		t.Errorf("/wrote: got %d %q, want the handler's 200 partial", rec.Code, rec.Body)
	}
	rec = serve(r, httptest.NewRequest(http.MethodGet, "/fast", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/fast: status %d, want 200", rec.Code)
	}
}

func TestTimeoutClientGoneIsNot504(t *testing.T) {
	r := gin.New()
	r.Use(Timeout(time.Minute))
	r.GET("/", func(c *gin.Context) { <-c.Request.Context().Done() })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := serve(r, httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx))
	if rec.Code == http.StatusGatewayTimeout {
		t.Error("a cancelled (not timed out) request got 504")
	}
}

func TestTimeoutDisabled(t *testing.T) {
	r := gin.New()
	r.Use(Timeout(0))
	r.GET("/", func(c *gin.Context) {
		if _, ok := c.Request.Context().Deadline(); ok {
			t.Error("Timeout(0) set a deadline")
		}
		c.Status(204)
	})
	if rec := serve(r, httptest.NewRequest(http.MethodGet, "/", nil)); rec.Code != 204 {
		t.Errorf("status %d, want 204", rec.Code)
	}
}

func TestTimeoutNested(t *testing.T) {
	r := gin.New()
	r.Use(Timeout(time.Hour))
	g := r.Group("/", Timeout(30*time.Millisecond))
	g.GET("/wait", func(c *gin.Context) {
		ctx, cancel := context.WithCancel(c.Request.Context()) // derived: no goroutine
		defer cancel()
		<-ctx.Done()
	})
	rec := serve(r, httptest.NewRequest(http.MethodGet, "/wait", nil))
	if rec.Code != http.StatusGatewayTimeout || jsonError(t, rec.Body.Bytes()).Status != 504 {
		t.Errorf("got %d %q, want one 504", rec.Code, rec.Body)
	}
}
