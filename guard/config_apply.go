package guard

import (
	"io"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
)

// NewServer is guard.NewServer with the configuration's timeouts.
func (c *Config) NewServer(addr string, handler http.Handler, opts ...Option) *http.Server {
	srv := NewServer(addr, handler, opts...)
	s := c.Server
	srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout = s.ReadHeaderTimeout, s.ReadTimeout, s.WriteTimeout, s.IdleTimeout
	srv.MaxHeaderBytes = s.MaxHeaderBytes
	return srv
}

// ServeOptions are the options of Serve the configuration sets (the drain
// timeout and the shutdown delay); append your own, e.g. WithReadiness.
func (c *Config) ServeOptions() []Option {
	return []Option{WithDrainTimeout(c.Server.DrainTimeout), WithShutdownDelay(c.Server.ShutdownDelay)}
}

// BodyLimit is guard.BodyLimit with body.limit; with no limit (0, refused in
// prod) it lets every body through.
func (c *Config) BodyLimit() gin.HandlerFunc {
	if c.Body.Limit == 0 {
		return func(ctx *gin.Context) { ctx.Next() }
	}
	return BodyLimit(c.Body.Limit)
}

// Logger is a JSON slog.Logger to w at log.level.
func (c *Config) Logger(w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Log.Level)) // validated by LoadConfig
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

// AccessLog is guard.AccessLog to l.
func (c *Config) AccessLog(l *slog.Logger, opts ...Option) gin.HandlerFunc {
	return AccessLog(l, opts...)
}

// MountPprof mounts guard.Pprof on router with pprof.token when
// pprof.enabled; it does nothing otherwise.
func (c *Config) MountPprof(router gin.IRouter) error {
	if !c.Pprof.Enabled {
		return nil
	}
	return Pprof(router, c.Pprof.Token.Reveal())
}

// NewAsync is guard.NewAsync with async.limit and async.timeout.
func (c *Config) NewAsync(opts ...Option) (*Async, error) {
	return NewAsync(append([]Option{WithAsyncLimit(c.Async.Limit), WithAsyncTimeout(c.Async.Timeout)}, opts...)...)
}

// NewClient is guard.NewClient with the outbound settings.
func (c *Config) NewClient(opts ...ClientOption) (*Client, error) {
	return NewClient(append([]ClientOption{ClientBounds(c.Outbound)}, opts...)...)
}

// CacheFromConfig is guard.NewCache with cache.size and cache.ttl.
func CacheFromConfig[K comparable, V any](c *Config) (*Cache[K, V], error) {
	return NewCache[K, V](c.Cache.Size, c.Cache.TTL)
}
