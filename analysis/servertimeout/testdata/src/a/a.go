// Package a holds servertimeout cases.
package a

import (
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

func pointerLiteral(h http.Handler) {
	srv := &http.Server{Addr: ":8080", Handler: h} // want `http\.Server literal sets neither ReadHeaderTimeout nor ReadTimeout: a client that sends headers slowly holds a connection and its goroutine forever \(slowloris\) — set ReadHeaderTimeout`
	_ = srv.ListenAndServe()
}

func valueLiteral(h http.Handler) {
	srv := http.Server{ // want `http\.Server literal sets neither`
		Addr:         ":8080",
		Handler:      h,
		WriteTimeout: 10 * time.Second, // a write timeout does not bound reading headers
	}
	_ = srv.ListenAndServe()
}

func varDecl(h http.Handler) *http.Server {
	var srv = &http.Server{Handler: h} // want `http\.Server literal sets neither`
	return srv
}

func returned(h http.Handler) *http.Server {
	return &http.Server{Handler: h, IdleTimeout: time.Minute} // want `http\.Server literal sets neither`
}

// The timeout is assigned before the literal replaces the variable: it is
// lost.
func assignedBefore(h http.Handler) {
	srv := &http.Server{ReadHeaderTimeout: time.Second}
	srv.ReadHeaderTimeout = time.Second
	srv = &http.Server{Handler: h} // want `http\.Server literal sets neither`
	_ = srv.ListenAndServe()
}

// Another variable gets the timeout.
func otherVariable(h http.Handler) {
	srv := &http.Server{Handler: h} // want `http\.Server literal sets neither`
	other := &http.Server{ReadTimeout: time.Second}
	other.ReadTimeout = time.Second
	_ = srv.ListenAndServe()
}

func shortcuts(h http.Handler, l net.Listener) {
	_ = http.ListenAndServe(":8080", h)                   // want `http\.ListenAndServe starts a server with no timeouts and no graceful shutdown: a client that sends headers slowly holds a connection and its goroutine forever \(slowloris\) — use an http\.Server with ReadHeaderTimeout and stop it with Shutdown`
	_ = http.ListenAndServeTLS(":8443", "c", "k", h)      // want `http\.ListenAndServeTLS starts a server with no timeouts`
	_ = http.Serve(l, h)                                  // want `http\.Serve starts a server with no timeouts`
	_ = http.ServeTLS(l, h, "c", "k")                     // want `http\.ServeTLS starts a server with no timeouts`
	go func() { _ = http.ListenAndServe(":6060", nil) }() // want `http\.ListenAndServe starts`
}

func ginShortcuts(r *gin.Engine, l net.Listener) {
	_ = r.Run()                         // want `gin's Engine\.Run starts an http\.Server with no timeouts and no graceful shutdown: a client that sends headers slowly holds a connection and its goroutine forever \(slowloris\) — serve the engine with an http\.Server with ReadHeaderTimeout and stop it with Shutdown`
	_ = r.Run(":8080")                  // want `gin's Engine\.Run starts`
	_ = r.RunTLS(":8443", "c", "k")     // want `gin's Engine\.RunTLS starts`
	_ = r.RunUnix("/tmp/sock")          // want `gin's Engine\.RunUnix starts`
	_ = r.RunFd(3)                      // want `gin's Engine\.RunFd starts`
	_ = r.RunListener(l)                // want `gin's Engine\.RunListener starts`
	_ = gin.Default().Run()             // want `gin's Engine\.Run starts`
	go func() { _ = gin.New().Run() }() // want `gin's Engine\.Run starts`
}

func withReadHeaderTimeout(h http.Handler) {
	srv := &http.Server{Addr: ":8080", Handler: h, ReadHeaderTimeout: 5 * time.Second}
	_ = srv.ListenAndServe()
}

func withReadTimeout(h http.Handler) {
	srv := &http.Server{Addr: ":8080", Handler: h, ReadTimeout: 30 * time.Second}
	_ = srv.ListenAndServe()
}

func assignedLater(h http.Handler) {
	srv := &http.Server{Addr: ":8080", Handler: h}
	srv.ReadHeaderTimeout = 5 * time.Second
	_ = srv.ListenAndServe()
}

func assignedLaterReadTimeout(h http.Handler) {
	var srv http.Server
	srv = http.Server{Handler: h}
	srv.ReadTimeout = time.Minute
	_ = srv.ListenAndServe()
}

func assignedInClosure(h http.Handler) {
	srv := &http.Server{Handler: h}
	configure := func() { srv.ReadHeaderTimeout = time.Second }
	configure()
	_ = srv.ListenAndServe()
}

type app struct{ srv *http.Server }

func (a *app) fieldAssignedLater(h http.Handler) {
	a.srv = &http.Server{Handler: h}
	a.srv.ReadHeaderTimeout = time.Second
}

func (a *app) fieldNotAssigned(h http.Handler) {
	a.srv = &http.Server{Handler: h} // want `http\.Server literal sets neither`
	a.srv.WriteTimeout = time.Second
}

var global = &http.Server{Handler: http.NotFoundHandler()}

func init() { global.ReadHeaderTimeout = 2 * time.Second }

// The method on *http.Server is not a shortcut: the server's literal is what
// is checked.
func serverMethods(srv *http.Server, l net.Listener) {
	_ = srv.ListenAndServe()
	_ = srv.ListenAndServeTLS("c", "k")
	_ = srv.Serve(l)
}

// Other types with the same names are not servers.
type Server struct{ Addr string }

func (Server) ListenAndServe() error { return nil }

type engine struct{}

func (engine) Run(addr ...string) error { return nil }

func lookalikes(e engine) {
	s := &Server{Addr: ":8080"}
	_ = s.ListenAndServe()
	_ = e.Run()
	_ = &http.Transport{IdleConnTimeout: time.Second}
	_ = &http.Client{Timeout: time.Second}
}

func suppressed(h http.Handler) {
	//ginleak:ignore servertimeout behind a proxy that enforces header timeouts
	srv := &http.Server{Handler: h}
	_ = srv.ListenAndServe()
	_ = http.ListenAndServe(":6060", nil) //ginleak:ignore GL1006 pprof on localhost only
}
