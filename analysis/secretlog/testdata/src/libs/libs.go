// Package libs holds the third-party loggers: zap, logrus and zerolog.
package libs

import (
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"
	zlog "github.com/rs/zerolog/log"
	"github.com/sirupsen/logrus"
	"go.uber.org/zap"
)

// ---- zap ----

func zapField(c *gin.Context, logger *zap.Logger) {
	tok := c.GetHeader("Authorization")
	logger.Info("request", zap.String("path", c.FullPath()), zap.String("auth", tok)) // want `the Authorization header value reaches zap\.Logger\.Info`
}

func zapAny(r *http.Request) {
	zap.L().Debug("request", zap.Any("req", r)) // want `\*http\.Request r is passed to zap\.Logger\.Debug`
}

func zapWith(c *gin.Context) {
	l := zap.L().With(zap.Any("headers", c.Request.Header)) // want `the request headers c\.Request\.Header reach zap\.Logger\.With`
	l.Info("x")
}

func zapSugar(c *gin.Context, s *zap.SugaredLogger) {
	key := c.GetHeader("X-Api-Key")
	s.Infow("call", "key", key)         // want `the X-Api-Key header value \(in key\) reaches zap\.SugaredLogger\.Infow`
	s.Infof("request %v", c.Request)    // want `\*http\.Request c\.Request is formatted into a log line with %v`
	s.Infof("request at %p", c.Request) // %p prints an address
}

// ---- logrus ----

func logrusField(c *gin.Context) {
	logrus.WithField("auth", c.GetHeader("Authorization")).Info("login") // want `the Authorization header value reaches logrus\.WithField`
}

func logrusFields(c *gin.Context, log *logrus.Logger) {
	sess, _ := c.Cookie("session")
	log.WithFields(logrus.Fields{ // want `the value of cookie "session" reaches logrus\.Logger\.WithFields`
		"path":    c.FullPath(),
		"session": sess,
	}).Info("request")
}

func logrusf(r *http.Request) {
	logrus.Infof("headers: %v", r.Header) // want `the request headers r\.Header reach logrus\.Infof`
}

func logrusEntry(e *logrus.Entry, r *http.Request) {
	e.Warn("bad request ", r.Header.Get("Cookie")) // want `the Cookie header value reaches logrus\.Entry\.Warn`
}

func logrusIface(l logrus.FieldLogger, c *gin.Context) {
	l.Infof("token=%s", c.GetHeader("Authorization")) // want `the Authorization header value reaches logrus\.FieldLogger\.Infof`
}

// ---- zerolog ----

func zerologStr(c *gin.Context) {
	tok := c.GetHeader("Authorization")
	zlog.Info().
		Str("path", c.FullPath()).
		Str("auth", tok). // want `the Authorization header value \(in tok\) reaches zerolog\.Event\.Str`
		Msg("request")
}

func zerologMsg(c *gin.Context, l zerolog.Logger) {
	l.Error().Msg("bad key " + c.GetHeader("X-Api-Key"))   // want `the X-Api-Key header value reaches zerolog\.Event\.Msg`
	l.Info().Interface("headers", c.Request.Header).Send() // want `the request headers c\.Request\.Header reach zerolog\.Event\.Interface`
	zlog.Printf("req %+v", c.Request)                      // want `\*http\.Request c\.Request is formatted into a log line with %\+v`
}

func zerologContext(c *gin.Context, l zerolog.Logger) zerolog.Logger {
	return l.With().Str("auth", c.GetHeader("Authorization")).Logger() // want `the Authorization header value reaches zerolog\.Context\.Str`
}

// ---- not reported ----

func safe(c *gin.Context, logger *zap.Logger, l zerolog.Logger) {
	logger.Info("request", zap.String("ua", c.GetHeader("User-Agent")), zap.Int("len", len(c.GetHeader("Authorization"))))
	logrus.WithField("method", c.Request.Method).Info("request")
	l.Info().Str("path", c.Request.URL.Path).Bool("auth", c.GetHeader("Authorization") != "").Msg("request")
	zlog.Info().Str("ua", c.Request.UserAgent()).Send()
}
