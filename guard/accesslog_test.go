package guard

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestAccessLogRecord(t *testing.T) {
	logger, sink := newJSONLogger(slog.LevelInfo)
	r := gin.New()
	r.Use(RequestID(), AccessLog(logger))
	r.GET("/items/:id", func(c *gin.Context) {
		_ = c.Error(errors.New("cache miss"))
		c.String(200, "hello")
	})
	req := httptest.NewRequest(http.MethodGet, "/items/42?page=2&token=s3cr3t-token", nil)
	req.Header.Set(RequestIDHeader, "rid-1")
	req.RemoteAddr = "192.0.2.7:5555"
	serve(r, req)
	recs := sink.records(t)
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1: %s", len(recs), sink)
	}
	rec := recs[0]
	want := map[string]any{
		"msg": "http request", "level": "INFO", "method": "GET", "route": "/items/:id",
		"path": "/items/42", "query": "page=2&token=" + Redacted, "status": 200.0, "bytes": 5.0,
		"client_ip": "192.0.2.7", "request_id": "rid-1", "errors": "cache miss",
	}
	for k, v := range want {
		if rec[k] != v {
			t.Errorf("%s = %v, want %v", k, rec[k], v)
		}
	}
	if _, ok := rec["latency"].(float64); !ok {
		t.Errorf("latency = %v, want a number", rec["latency"])
	}
	for _, k := range []string{"req_headers", "resp_headers", "req_body", "trace_id", "panic"} {
		if _, ok := rec[k]; ok {
			t.Errorf("%s logged without being asked for", k)
		}
	}
	if strings.Contains(sink.String(), "s3cr3t") {
		t.Errorf("secret in the log: %s", sink)
	}
}

func TestAccessLogRedactsHeaders(t *testing.T) {
	logger, sink := newJSONLogger(slog.LevelInfo)
	r := gin.New()
	r.Use(AccessLog(logger, WithHeaderLogging(), WithRedactedHeaders("x-session"), WithRedactedQuery("Sid")))
	r.GET("/", func(c *gin.Context) {
		c.Header("Set-Cookie", "sid=cookie-secret-1; Path=/; HttpOnly")
		c.Header("X-Echo", c.GetHeader("X-Forwarded-Authorization"))
		c.Status(204)
	})
	req := httptest.NewRequest(http.MethodGet, "/?SID=query-secret-2&a%3Bb=c;d=e&%zz=bad-escape-3", nil)
	req.Header.Set("Authorization", "Bearer bearer-secret-4")
	req.Header.Set("Cookie", "a=cookie-secret-5; b=cookie-secret-6")
	req.Header.Set("Proxy-Authorization", "Basic proxy-secret-7")
	req.Header.Set("X-API-Key", "api-secret-8")
	req.Header["x-session"] = []string{"session-secret-9"}         // not canonical on purpose
	req.Header.Set("X-Forwarded-Authorization", "bearer-secret-4") // the same token, elsewhere
	req.Header.Set("User-Agent", "test-agent")
	serve(r, req)
	out := sink.String()
	for _, secret := range []string{"cookie-secret-1", "query-secret-2", "bad-escape-3", "bearer-secret-4",
		"cookie-secret-5", "cookie-secret-6", "proxy-secret-7", "api-secret-8", "session-secret-9"} {
		if strings.Contains(out, secret) {
			t.Errorf("%s leaked: %s", secret, out)
		}
	}
	recs := sink.records(t)
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	reqH, _ := recs[0]["req_headers"].(map[string]any)
	respH, _ := recs[0]["resp_headers"].(map[string]any)
	if reqH["Authorization"] != Redacted || reqH["User-Agent"] != "test-agent" || respH["Set-Cookie"] != Redacted {
		t.Errorf("headers %v / %v", reqH, respH)
	}
	if q := recs[0]["query"]; q != "SID="+Redacted+"&a%3Bb=c;d=e&"+Redacted {
		t.Errorf("query = %v", q)
	}
}

func TestAccessLogPanicAndLevels(t *testing.T) {
	logger, sink := newJSONLogger(slog.LevelInfo)
	r := gin.New()
	r.Use(AccessLog(logger))
	r.GET("/panic", func(c *gin.Context) { panic("boom") })
	r.GET("/fail", func(c *gin.Context) { c.Status(503) })
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed")
			}
		}()
		serve(r, httptest.NewRequest(http.MethodGet, "/panic", nil))
	}()
	serve(r, httptest.NewRequest(http.MethodGet, "/fail", nil))
	serve(r, httptest.NewRequest(http.MethodGet, "/nowhere", nil))
	recs := sink.records(t)
	if len(recs) != 3 {
		t.Fatalf("%d records: %s", len(recs), sink)
	}
	if recs[0]["panic"] != true || recs[0]["status"] != 500.0 || recs[0]["level"] != "ERROR" {
		t.Errorf("panic record %v", recs[0])
	}
	if recs[1]["status"] != 503.0 || recs[1]["level"] != "ERROR" {
		t.Errorf("503 record %v", recs[1])
	}
	if recs[2]["status"] != 404.0 || recs[2]["route"] != "unmatched" || recs[2]["level"] != "INFO" {
		t.Errorf("404 record %v", recs[2])
	}
}

func TestAccessLogDisabledLevels(t *testing.T) {
	logger, sink := newJSONLogger(slog.LevelWarn)
	r := gin.New()
	r.Use(AccessLog(logger))
	r.GET("/ok", func(c *gin.Context) { c.Status(200) })
	r.GET("/err", func(c *gin.Context) { c.Status(500) })
	serve(r, httptest.NewRequest(http.MethodGet, "/ok", nil))
	serve(r, httptest.NewRequest(http.MethodGet, "/err", nil))
	if recs := sink.records(t); len(recs) != 1 || recs[0]["status"] != 500.0 {
		t.Errorf("records %v, want only the 500", recs)
	}
	called := false
	r2 := gin.New()
	r2.Use(AccessLog(slog.New(slog.DiscardHandler)))
	r2.GET("/", func(c *gin.Context) { called = true })
	serve(r2, httptest.NewRequest(http.MethodGet, "/", nil))
	if !called {
		t.Error("handler not called with a disabled logger")
	}
}

func TestAccessLogBodies(t *testing.T) {
	logger, sink := newJSONLogger(slog.LevelInfo)
	r := gin.New()
	r.Use(AccessLog(logger, WithBodyLogging(8)))
	r.POST("/", func(c *gin.Context) {
		b, _ := io.ReadAll(c.Request.Body)
		c.String(200, "echo:"+string(b))
	})
	serve(r, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("0123456789")))
	recs := sink.records(t)
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	if recs[0]["req_body"] != "01234567" || recs[0]["req_body_truncated"] != true ||
		recs[0]["resp_body"] != "echo:012" || recs[0]["resp_body_truncated"] != true || recs[0]["bytes"] != 15.0 {
		t.Errorf("record %v", recs[0])
	}
}

func TestAccessLogNilLogger(t *testing.T) {
	r := gin.New()
	r.Use(AccessLog(nil)) // slog.Default(): must not panic
	r.GET("/", func(c *gin.Context) { c.Status(204) })
	if rec := serve(r, httptest.NewRequest(http.MethodGet, "/", nil)); rec.Code != 204 {
		t.Errorf("status %d", rec.Code)
	}
}
