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

// Added for doublebind.

type BindingUri interface {
	Name() string
	BindUri(map[string][]string, any) error
}

type uriBinding struct{}

func (uriBinding) Name() string                           { return "uri" }
func (uriBinding) BindUri(map[string][]string, any) error { return nil }

var (
	Query         Binding     = jsonBinding{}
	FormPost      Binding     = jsonBinding{}
	FormMultipart Binding     = jsonBinding{}
	ProtoBuf      BindingBody = jsonBinding{}
	MsgPack       BindingBody = jsonBinding{}
	Uri           BindingUri  = uriBinding{}
	Header        Binding     = jsonBinding{}
	Plain         BindingBody = jsonBinding{}
	TOML          BindingBody = jsonBinding{}
	BSON          BindingBody = jsonBinding{}
)

// Default returns the binding for the method and content type.
func Default(method, contentType string) Binding { return Form }
