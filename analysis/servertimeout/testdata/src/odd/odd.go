// Package odd exercises unusual code: dot imports, aliases, generics,
// literals with elided types, method values and embedded engines.
package odd

import (
	. "net/http"
	"time"

	"github.com/gin-gonic/gin"
)

type Srv = Server
type Eng = gin.Engine

func alias(h Handler) {
	_ = &Srv{Handler: h} // want `http\.Server literal sets neither`
	_ = Srv{ReadHeaderTimeout: time.Second}
}

func dotImport(h Handler) {
	_ = ListenAndServe(":8080", h) // want `http\.ListenAndServe starts`
}

func elided(h Handler) []*Server {
	return []*Server{
		{Handler: h}, // want `http\.Server literal sets neither`
		{Handler: h, ReadTimeout: time.Second},
	}
}

func mapValue(h Handler) map[string]Server {
	return map[string]Server{"a": {Handler: h}} // want `http\.Server literal sets neither`
}

// A named type over http.Server is another type: not checked.
type MyServer Server

func defined(h Handler) {
	_ = &MyServer{Handler: h}
}

// Embedding a server in another literal is not an http.Server literal,
// but the embedded one is.
type wrapper struct{ *Server }

func embeddedLiteral(h Handler) {
	_ = wrapper{&Server{Handler: h}} // want `http\.Server literal sets neither`
	_ = wrapper{}
}

type embeddedEngine struct{ *gin.Engine }

func (e embeddedEngine) start() {
	_ = e.Run() // want `gin's Engine\.Run starts`
}

func aliasEngine(e *Eng) {
	_ = e.Run(":1") // want `gin's Engine\.Run starts`
}

// A method value or a function value hides the call: not reported
// (documented limitation).
func values(e *gin.Engine, h Handler) {
	run := e.Run
	_ = run()
	serve := ListenAndServe
	_ = serve(":8080", h)
}

func generic[T any](h Handler, v T) *Server {
	_ = v
	return &Server{Handler: h, ReadHeaderTimeout: time.Second}
}

func genericBad[T Handler](h T) *Server {
	return &Server{Handler: h} // want `http\.Server literal sets neither`
}

// Assignments through a pointer dereference and a parenthesized target.
func deref(h Handler, p *Server) {
	*p = Server{Handler: h}
	(p).ReadHeaderTimeout = time.Second
}

func blank(h Handler) {
	_ = &Server{Handler: h} // want `http\.Server literal sets neither`
	var _ = Server{}        // want `http\.Server literal sets neither`
	a, b := &Server{}, 1    // want `http\.Server literal sets neither`
	_, _ = a, b
	x, y := twoServers()
	x.ReadTimeout, y.ReadTimeout = time.Second, time.Second
}

func twoServers() (*Server, *Server) { return new(Server), new(Server) }
