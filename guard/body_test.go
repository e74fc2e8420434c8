package guard

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
)

// unknownLength hides the length of s from httptest.NewRequest, like a
// chunked request body.
func unknownLength(s string) io.Reader { return io.MultiReader(strings.NewReader(s)) }

func TestBodyLimit(t *testing.T) {
	const limit = 16
	type result struct {
		status  int
		called  bool
		readErr error
		errs    []error
	}
	run := func(t *testing.T, body io.Reader, handler func(c *gin.Context) error) result {
		t.Helper()
		var res result
		r := gin.New()
		r.Use(func(c *gin.Context) {
			c.Next()
			for _, e := range c.Errors {
				res.errs = append(res.errs, e.Err)
			}
		})
		r.Use(BodyLimit(limit))
		r.POST("/", func(c *gin.Context) {
			res.called = true
			res.readErr = handler(c)
		})
		rec := serve(r, httptest.NewRequest(http.MethodPost, "/", body))
		res.status = rec.Code
		if rec.Code == http.StatusRequestEntityTooLarge {
			if e := jsonError(t, rec.Body.Bytes()); e.Status != 413 || !strings.Contains(e.Error, "16 bytes") {
				t.Errorf("413 body = %+v", e)
			}
		}
		return res
	}
	readAll := func(c *gin.Context) error {
		b, err := io.ReadAll(c.Request.Body)
		if err != nil {
			return err
		}
		c.String(http.StatusOK, "%d", len(b))
		return nil
	}

	t.Run("within the limit", func(t *testing.T) {
		for _, body := range []io.Reader{strings.NewReader("0123456789abcdef"), unknownLength("0123456789abcdef")} {
			res := run(t, body, readAll)
			if res.status != 200 || res.readErr != nil {
				t.Errorf("status %d, read error %v; want 200, nil", res.status, res.readErr)
			}
		}
	})
	t.Run("declared length over the limit is refused before the handler", func(t *testing.T) {
		res := run(t, strings.NewReader(strings.Repeat("x", 10*limit)), readAll)
		if res.status != 413 || res.called {
			t.Errorf("status %d, handler called %v; want 413, false", res.status, res.called)
		}
	})
	t.Run("chunked over the limit: handler read fails, nothing written", func(t *testing.T) {
		res := run(t, unknownLength(strings.Repeat("x", 10*limit)), func(c *gin.Context) error {
			_, err := io.ReadAll(c.Request.Body)
			return err // writes nothing
		})
		var mbe *http.MaxBytesError
		if res.status != 413 || !errors.As(res.readErr, &mbe) {
			t.Errorf("status %d, read error %v; want 413 and *http.MaxBytesError", res.status, res.readErr)
		}
	})
	t.Run("chunked over the limit: handler records the error", func(t *testing.T) {
		res := run(t, unknownLength(strings.Repeat("x", 10*limit)), func(c *gin.Context) error {
			_, err := io.ReadAll(c.Request.Body)
			_ = c.Error(err)
			return err
		})
		if res.status != 413 {
			t.Errorf("status %d, want 413", res.status)
		}
	})
	t.Run("decoder stops early, nothing written: drained to decide", func(t *testing.T) {
		body := `{"a":1}` + strings.Repeat(" ", 10*limit)
		res := run(t, unknownLength(body), func(c *gin.Context) error {
			var v map[string]int
			return binding.JSON.Bind(c.Request, &v) // decodes the first value only
		})
		if res.readErr != nil || res.status != 413 {
			t.Errorf("status %d, bind error %v; want 413 after a successful bind", res.status, res.readErr)
		}
	})
	t.Run("limit hit after the response was written: stands, error recorded", func(t *testing.T) {
		res := run(t, unknownLength(strings.Repeat("x", 10*limit)), func(c *gin.Context) error {
			c.Status(http.StatusOK)
			c.Writer.WriteHeaderNow()            // answered first
			_, err := io.ReadAll(c.Request.Body) // then hits the limit
			return err
		})
		if res.status != 200 {
			t.Errorf("status %d, want the handler's 200", res.status)
		}
		found := false
		for _, e := range res.errs {
			var mbe *http.MaxBytesError
			found = found || errors.As(e, &mbe)
		}
		if !found {
			t.Errorf("c.Errors = %v, want an *http.MaxBytesError", res.errs)
		}
	})
	t.Run("small chunked body the handler ignores", func(t *testing.T) {
		res := run(t, unknownLength("tiny"), func(c *gin.Context) error { return nil })
		if res.status != 200 {
			t.Errorf("status %d, want 200", res.status)
		}
	})
	t.Run("no body", func(t *testing.T) {
		res := run(t, nil, func(c *gin.Context) error { c.Status(204); return nil })
		if res.status != 204 || !res.called {
			t.Errorf("status %d, called %v; want 204, true", res.status, res.called)
		}
	})
}

func TestBodyLimitNegativeMeansEmptyOnly(t *testing.T) {
	r := gin.New()
	r.Use(BodyLimit(-5))
	r.POST("/", func(c *gin.Context) { c.Status(204) })
	if rec := serve(r, httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))); rec.Code != 413 {
		t.Errorf("1-byte body: status %d, want 413", rec.Code)
	}
	if rec := serve(r, httptest.NewRequest(http.MethodPost, "/", nil)); rec.Code != 204 {
		t.Errorf("empty body: status %d, want 204", rec.Code)
	}
}

func TestCaptureBody(t *testing.T) {
	type payload struct {
		Name string `json:"name" binding:"required"`
	}
	r := gin.New()
	r.Use(CaptureBody(64))
	var captured []byte
	var again []byte
	r.POST("/", func(c *gin.Context) {
		var ok bool
		captured, ok = CapturedBody(c)
		if !ok {
			t.Error("CapturedBody: no body")
		}
		var p payload
		if err := c.ShouldBindBodyWith(&p, binding.JSON); err != nil {
			c.String(400, err.Error())
			return
		}
		again, _ = io.ReadAll(c.Request.Body) // still whole
		c.String(200, p.Name)
	})
	const body = `{"name":"gopher"}`
	rec := serve(r, httptest.NewRequest(http.MethodPost, "/", unknownLength(body)))
	if rec.Code != 200 || rec.Body.String() != "gopher" {
		t.Fatalf("got %d %q, want 200 gopher", rec.Code, rec.Body)
	}
	if string(captured) != body || string(again) != body {
		t.Errorf("captured %q, body read again %q; want both %q", captured, again, body)
	}

	for _, big := range []io.Reader{strings.NewReader(strings.Repeat("x", 65)), unknownLength(strings.Repeat("x", 65))} {
		rec = serve(r, httptest.NewRequest(http.MethodPost, "/", big))
		if rec.Code != 413 {
			t.Errorf("65 bytes: status %d, want 413", rec.Code)
		}
	}
	rec = serve(r, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != 400 { // empty body: binding fails, but the capture exists
		t.Errorf("empty body: status %d, want the handler's 400", rec.Code)
	}
	if b, ok := CapturedBody(nil); ok || b != nil {
		t.Error("CapturedBody(nil) returned a body")
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestCaptureBodyReadError(t *testing.T) {
	r := gin.New()
	r.Use(CaptureBody(64))
	r.POST("/", func(c *gin.Context) { t.Error("handler called") })
	rec := serve(r, httptest.NewRequest(http.MethodPost, "/", failingReader{}))
	if rec.Code != 400 {
		t.Errorf("status %d, want 400", rec.Code)
	}
}
