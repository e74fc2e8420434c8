// Package rht holds servertimeout cases against a gin whose Engine has a
// ReadHeaderTimeout field.
package rht

import (
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// This gin bounds the header read of the servers Run and its siblings
// build: not reported, also when the field is left at zero or set to zero
// (gin falls back to 10 s).
func runBounded(r *gin.Engine, l net.Listener) {
	_ = r.Run()
	_ = r.Run(":8080")
	_ = r.RunTLS(":8443", "c", "k")
	_ = r.RunListener(l)
	_ = r.RunFd(3)
	_ = gin.Default().Run()
	go func() { _ = gin.New().Run() }()
	r.ReadHeaderTimeout = 0
	_ = r.Run()
}

// An engine embedded in the application's own type: the method, and so the
// field, is gin's.
type app struct{ *gin.Engine }

func embedded(a app) { _ = a.Run(":8080") }

// RunUnix builds its server without the field: still reported.
func unix(r *gin.Engine) {
	_ = r.RunUnix("/tmp/sock") // want `gin's Engine\.RunUnix starts an http\.Server with no timeouts`
}

// The field is gin's, not net/http's: a server of the application's own,
// and the net/http shortcuts, are reported as before.
func ownServer(r *gin.Engine) {
	r.ReadHeaderTimeout = 5 * time.Second
	srv := &http.Server{Addr: ":8080", Handler: r} // want `http\.Server literal sets neither ReadHeaderTimeout nor ReadTimeout`
	_ = srv.ListenAndServe()
	_ = http.ListenAndServe(":8080", r) // want `http\.ListenAndServe starts a server with no timeouts`
}

// A Run method of another type with a ReadHeaderTimeout field is not gin's.
type engine struct{ ReadHeaderTimeout time.Duration }

func (engine) RunUnix(file string) error { return nil }

func lookalike(e engine) { _ = e.RunUnix("/tmp/sock") }
