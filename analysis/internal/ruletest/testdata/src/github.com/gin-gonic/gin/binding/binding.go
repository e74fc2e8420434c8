// Package binding is a stub of gin's binding package for analyzer tests.
package binding

import "net/http"

type Binding interface {
	Name() string
	Bind(*http.Request, any) error
}

type BindingBody interface {
	Binding
	BindBody([]byte, any) error
}

type jsonBinding struct{}

func (jsonBinding) Name() string                  { return "json" }
func (jsonBinding) Bind(*http.Request, any) error { return nil }
func (jsonBinding) BindBody([]byte, any) error    { return nil }

var (
	JSON BindingBody = jsonBinding{}
	XML  BindingBody = jsonBinding{}
	YAML BindingBody = jsonBinding{}
	Form Binding     = jsonBinding{}
)
