package guard

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func TestNewServerDefaults(t *testing.T) {
	logger, sink := newJSONLogger(slog.LevelDebug)
	srv := NewServer(":0", nil, WithLogger(logger))
	if srv.ReadHeaderTimeout != 5*time.Second || srv.ReadTimeout != 30*time.Second ||
		srv.WriteTimeout != 30*time.Second || srv.IdleTimeout != 120*time.Second || srv.MaxHeaderBytes != 1<<20 {
		t.Errorf("timeouts %v %v %v %v %d", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}
	if srv.Handler == nil || srv.Handler == http.DefaultServeMux {
		t.Error("a nil handler must not become http.DefaultServeMux")
	}
	srv.ErrorLog.Print("tls: handshake error")
	if !strings.Contains(sink.String(), "handshake error") {
		t.Errorf("ErrorLog did not reach the logger: %q", sink.String())
	}
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// startServe runs Serve in a goroutine and waits until it answers.
func startServe(t testing.TB, ctx context.Context, h http.Handler, opts ...Option) (url string, srv *http.Server, done <-chan error) {
	t.Helper()
	ln := listen(t)
	srv = NewServer("", h)
	errc := make(chan error, 1)
	go func() {
		errc <- Serve(ctx, srv, append([]Option{WithListener(ln), WithSignals(), WithShutdownDelay(0), WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	}()
	url = "http://" + ln.Addr().String()
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	return url, srv, errc
}

func newClient(t testing.TB) *http.Client {
	t.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

type baseKey struct{}

func TestServeLifecycle(t *testing.T) {
	a, _ := newTestAsync(t)
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), baseKey{}, "from-serve"))
	defer cancel()
	r := gin.New()
	asyncRan := make(chan string, 1)
	r.GET("/", func(c *gin.Context) {
		v, _ := c.Request.Context().Value(baseKey{}).(string)
		// No a.Middleware(): Serve put the Async in the base context.
		if err := Go(c, "job", func(ctx context.Context) { asyncRan <- "ran" }); err != nil {
			t.Error(err)
		}
		c.String(200, v)
	})
	url, _, done := startServe(t, ctx, r, WithAsync(a))
	client := newClient(t)
	resp, err := client.Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "from-serve" {
		t.Errorf("request context value %q, want the one of Serve's context", body)
	}
	<-asyncRan
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return after its context was cancelled")
	}
	client.CloseIdleConnections()
	if _, err := client.Get(url + "/"); err == nil {
		t.Error("the server still answers after Serve returned")
	}
}

func TestServeDrainTimeoutCancelsRequests(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	entered := make(chan struct{})
	ended := make(chan error, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done() // only the base context's cancellation ends it
		ended <- r.Context().Err()
	})
	url, _, done := startServe(t, ctx, h, WithDrainTimeout(100*time.Millisecond))
	client := newClient(t)
	go func() {
		resp, err := client.Get(url + "/")
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-entered
	cancel()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "draining requests") {
			t.Errorf("Serve: %v, want the drain-timeout error", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return")
	}
	if err := <-ended; !errors.Is(err, context.Canceled) {
		t.Errorf("request context ended with %v, want Canceled", err)
	}
}

func TestServeKeepsUserBaseContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ln := listen(t)
	srv := NewServer("", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, _ := r.Context().Value(baseKey{}).(string)
		io.WriteString(w, v)
	}))
	srv.BaseContext = func(net.Listener) context.Context {
		return context.WithValue(context.Background(), baseKey{}, "user-base")
	}
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, srv, WithListener(ln), WithSignals(), WithShutdownDelay(0), WithLogger(slog.New(slog.DiscardHandler)))
	}()
	client := newClient(t)
	var resp *http.Response
	waitFor(t, func() bool {
		var err error
		resp, err = client.Get("http://" + ln.Addr().String())
		return err == nil
	})
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "user-base" {
		t.Errorf("got %q, want the user's base context value", body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

func TestServeErrors(t *testing.T) {
	if err := Serve(context.Background(), nil); err == nil {
		t.Error("Serve(nil server) returned nil")
	}
	srv := NewServer("127.0.0.1:notaport", nil)
	if err := Serve(context.Background(), srv, WithSignals()); err == nil || !strings.Contains(err.Error(), "listening") {
		t.Errorf("bad address: %v", err)
	}
	if err := Serve(context.Background(), NewServer("", nil), WithDrainTimeout(0)); err == nil {
		t.Error("invalid option accepted")
	}
}

func TestServeStopsOnSIGTERM(t *testing.T) {
	ln := listen(t)
	done := make(chan error, 1)
	srv := NewServer("", http.NotFoundHandler())
	go func() {
		done <- Serve(context.Background(), srv, WithListener(ln), WithShutdownDelay(0), WithLogger(slog.New(slog.DiscardHandler)))
	}()
	client := newClient(t)
	// Serve installs its signal handler before it serves: once a request
	// is answered, SIGTERM is caught rather than fatal.
	waitFor(t, func() bool {
		resp, err := client.Get("http://" + ln.Addr().String())
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	client.CloseIdleConnections()
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve ignored SIGTERM")
	}
}
