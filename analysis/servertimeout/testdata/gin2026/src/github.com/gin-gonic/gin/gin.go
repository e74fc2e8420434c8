// Package gin is a stub of a gin release whose Engine has the
// ReadHeaderTimeout field (gin pull request 4800): Run, RunTLS and
// RunListener, and RunFd through RunListener, give their http.Server a read
// header timeout (10 s by default); RunUnix does not. Only what the
// servertimeout cases use is here; the shared stub in
// analysis/internal/ruletest stays the release without the field.
package gin

import (
	"net"
	"net/http"
	"time"
)

type Context struct{}

type HandlerFunc func(*Context)

type RouterGroup struct{}

func (g *RouterGroup) GET(path string, h ...HandlerFunc) {}

type Engine struct {
	RouterGroup

	// ReadHeaderTimeout is the http.Server's ReadHeaderTimeout in Run,
	// RunTLS and RunListener; zero or less means 10 s.
	ReadHeaderTimeout time.Duration
}

func New() *Engine     { return &Engine{} }
func Default() *Engine { return &Engine{} }

func (e *Engine) ServeHTTP(w http.ResponseWriter, req *http.Request) {}
func (e *Engine) Handler() http.Handler                              { return e }
func (e *Engine) Run(addr ...string) error                           { return nil }
func (e *Engine) RunTLS(addr, certFile, keyFile string) error        { return nil }
func (e *Engine) RunUnix(file string) error                          { return nil }
func (e *Engine) RunFd(fd int) error                                 { return nil }
func (e *Engine) RunListener(l net.Listener) error                   { return nil }
