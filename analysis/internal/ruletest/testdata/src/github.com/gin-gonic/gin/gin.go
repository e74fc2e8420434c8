// Package gin is a stub of github.com/gin-gonic/gin v1.12.0 for analyzer
// tests: the same package path, type names and method signatures, no logic.
package gin

import (
	"io"
	"net"
	"net/http"
	"time"

	"github.com/gin-gonic/gin/binding"
)

type H map[string]any

type HandlerFunc func(*Context)

type HandlersChain []HandlerFunc

type Error struct{ Err error }

func (e *Error) Error() string { return "" }

var DefaultWriter io.Writer
var DefaultErrorWriter io.Writer

type ResponseWriter interface {
	http.ResponseWriter
	Status() int
	Size() int
	WriteString(string) (int, error)
	Written() bool
}

type Params []Param
type Param struct{ Key, Value string }

type Context struct {
	Request  *http.Request
	Writer   ResponseWriter
	Params   Params
	Keys     map[any]any
	Errors   []*Error
	Accepted []string
}

func (c *Context) Copy() *Context                                  { return c }
func (c *Context) HandlerName() string                             { return "" }
func (c *Context) FullPath() string                                { return "" }
func (c *Context) Next()                                           {}
func (c *Context) IsAborted() bool                                 { return false }
func (c *Context) Abort()                                          {}
func (c *Context) AbortWithStatus(code int)                        {}
func (c *Context) AbortWithStatusPureJSON(code int, obj any)       {}
func (c *Context) AbortWithStatusJSON(code int, obj any)           {}
func (c *Context) AbortWithError(code int, err error) *Error       { return nil }
func (c *Context) Error(err error) *Error                          { return nil }
func (c *Context) Set(key any, value any)                          {}
func (c *Context) Get(key any) (value any, exists bool)            { return nil, false }
func (c *Context) MustGet(key any) any                             { return nil }
func (c *Context) GetString(key any) string                        { return "" }
func (c *Context) GetInt(key any) int                              { return 0 }
func (c *Context) Param(key string) string                         { return "" }
func (c *Context) Query(key string) string                         { return "" }
func (c *Context) DefaultQuery(key, def string) string             { return "" }
func (c *Context) GetQuery(key string) (string, bool)              { return "", false }
func (c *Context) PostForm(key string) string                      { return "" }
func (c *Context) Bind(obj any) error                              { return nil }
func (c *Context) BindJSON(obj any) error                          { return nil }
func (c *Context) BindXML(obj any) error                           { return nil }
func (c *Context) BindQuery(obj any) error                         { return nil }
func (c *Context) BindYAML(obj any) error                          { return nil }
func (c *Context) BindTOML(obj any) error                          { return nil }
func (c *Context) BindHeader(obj any) error                        { return nil }
func (c *Context) BindUri(obj any) error                           { return nil }
func (c *Context) MustBindWith(obj any, b binding.Binding) error   { return nil }
func (c *Context) ShouldBind(obj any) error                        { return nil }
func (c *Context) ShouldBindJSON(obj any) error                    { return nil }
func (c *Context) ShouldBindXML(obj any) error                     { return nil }
func (c *Context) ShouldBindQuery(obj any) error                   { return nil }
func (c *Context) ShouldBindYAML(obj any) error                    { return nil }
func (c *Context) ShouldBindTOML(obj any) error                    { return nil }
func (c *Context) ShouldBindHeader(obj any) error                  { return nil }
func (c *Context) ShouldBindUri(obj any) error                     { return nil }
func (c *Context) ShouldBindWith(obj any, b binding.Binding) error { return nil }
func (c *Context) ShouldBindBodyWith(obj any, bb binding.BindingBody) error {
	return nil
}
func (c *Context) ShouldBindBodyWithJSON(obj any) error { return nil }
func (c *Context) ClientIP() string                     { return "" }
func (c *Context) ContentType() string                  { return "" }
func (c *Context) Status(code int)                      {}
func (c *Context) Header(key, value string)             {}
func (c *Context) GetHeader(key string) string          { return "" }
func (c *Context) GetRawData() ([]byte, error)          { return nil, nil }
func (c *Context) SetCookie(name, value string, maxAge int, path, domain string, secure, httpOnly bool) {
}
func (c *Context) Cookie(name string) (string, error)             { return "", nil }
func (c *Context) HTML(code int, name string, obj any)            {}
func (c *Context) IndentedJSON(code int, obj any)                 {}
func (c *Context) JSON(code int, obj any)                         {}
func (c *Context) PureJSON(code int, obj any)                     {}
func (c *Context) XML(code int, obj any)                          {}
func (c *Context) YAML(code int, obj any)                         {}
func (c *Context) ProtoBuf(code int, obj any)                     {}
func (c *Context) String(code int, format string, values ...any)  {}
func (c *Context) Redirect(code int, location string)             {}
func (c *Context) Data(code int, contentType string, data []byte) {}
func (c *Context) File(filepath string)                           {}
func (c *Context) Stream(step func(w io.Writer) bool) bool        { return false }
func (c *Context) Deadline() (deadline time.Time, ok bool)        { return time.Time{}, false }
func (c *Context) Done() <-chan struct{}                          { return nil }
func (c *Context) Err() error                                     { return nil }
func (c *Context) Value(key any) any                              { return nil }

type IRouter interface {
	IRoutes
	Group(string, ...HandlerFunc) *RouterGroup
}

type IRoutes interface {
	Use(...HandlerFunc) IRoutes
	Handle(string, string, ...HandlerFunc) IRoutes
	Any(string, ...HandlerFunc) IRoutes
	GET(string, ...HandlerFunc) IRoutes
	POST(string, ...HandlerFunc) IRoutes
	DELETE(string, ...HandlerFunc) IRoutes
	PATCH(string, ...HandlerFunc) IRoutes
	PUT(string, ...HandlerFunc) IRoutes
	OPTIONS(string, ...HandlerFunc) IRoutes
	HEAD(string, ...HandlerFunc) IRoutes
	Match([]string, string, ...HandlerFunc) IRoutes
	StaticFile(string, string) IRoutes
	Static(string, string) IRoutes
}

type RouterGroup struct {
	Handlers HandlersChain
}

func (g *RouterGroup) Use(middleware ...HandlerFunc) IRoutes                   { return g }
func (g *RouterGroup) Group(path string, h ...HandlerFunc) *RouterGroup        { return g }
func (g *RouterGroup) BasePath() string                                        { return "" }
func (g *RouterGroup) Handle(method, path string, h ...HandlerFunc) IRoutes    { return g }
func (g *RouterGroup) POST(path string, h ...HandlerFunc) IRoutes              { return g }
func (g *RouterGroup) GET(path string, h ...HandlerFunc) IRoutes               { return g }
func (g *RouterGroup) DELETE(path string, h ...HandlerFunc) IRoutes            { return g }
func (g *RouterGroup) PATCH(path string, h ...HandlerFunc) IRoutes             { return g }
func (g *RouterGroup) PUT(path string, h ...HandlerFunc) IRoutes               { return g }
func (g *RouterGroup) OPTIONS(path string, h ...HandlerFunc) IRoutes           { return g }
func (g *RouterGroup) HEAD(path string, h ...HandlerFunc) IRoutes              { return g }
func (g *RouterGroup) Any(path string, h ...HandlerFunc) IRoutes               { return g }
func (g *RouterGroup) Match(m []string, path string, h ...HandlerFunc) IRoutes { return g }
func (g *RouterGroup) StaticFile(path, file string) IRoutes                    { return g }
func (g *RouterGroup) Static(path, root string) IRoutes                        { return g }

type Engine struct {
	RouterGroup
}

func New(opts ...func(*Engine)) *Engine     { return &Engine{} }
func Default(opts ...func(*Engine)) *Engine { return &Engine{} }

func (e *Engine) Use(middleware ...HandlerFunc) IRoutes              { return e }
func (e *Engine) NoRoute(h ...HandlerFunc)                           {}
func (e *Engine) ServeHTTP(w http.ResponseWriter, req *http.Request) {}
func (e *Engine) Handler() http.Handler                              { return e }
func (e *Engine) Run(addr ...string) error                           { return nil }
func (e *Engine) RunTLS(addr, certFile, keyFile string) error        { return nil }
func (e *Engine) RunUnix(file string) error                          { return nil }
func (e *Engine) RunFd(fd int) error                                 { return nil }
func (e *Engine) RunListener(l net.Listener) error                   { return nil }

func WrapH(h http.Handler) HandlerFunc     { return nil }
func WrapF(f http.HandlerFunc) HandlerFunc { return nil }

// Added for lateuse and abortreturn.

func Logger() HandlerFunc   { return nil }
func Recovery() HandlerFunc { return nil }

func (g *RouterGroup) StaticFS(path string, fs http.FileSystem) IRoutes { return g }
func (g *RouterGroup) StaticFileFS(path, file string, fs http.FileSystem) IRoutes {
	return g
}

func (c *Context) SecureJSON(code int, obj any)             {}
func (c *Context) JSONP(code int, obj any)                  {}
func (c *Context) AsciiJSON(code int, obj any)              {}
func (c *Context) TOML(code int, obj any)                   {}
func (c *Context) FileAttachment(filepath, filename string) {}
func (c *Context) SSEvent(name string, message any)         {}

// Added for doublebind and bodylimit.

const BodyBytesKey = "_gin-gonic/gin/bodybyteskey"

func (c *Context) BindPlain(obj any) error               { return nil }
func (c *Context) ShouldBindPlain(obj any) error         { return nil }
func (c *Context) ShouldBindBodyWithXML(obj any) error   { return nil }
func (c *Context) ShouldBindBodyWithYAML(obj any) error  { return nil }
func (c *Context) ShouldBindBodyWithTOML(obj any) error  { return nil }
func (c *Context) ShouldBindBodyWithPlain(obj any) error { return nil }

// Logging (added for secretlog).
type LogFormatter func(params LogFormatterParams) string

type LogFormatterParams struct {
	Request      *http.Request
	TimeStamp    time.Time
	StatusCode   int
	Latency      time.Duration
	ClientIP     string
	Method       string
	Path         string
	ErrorMessage string
	BodySize     int
	Keys         map[any]any
}

type LoggerConfig struct {
	Formatter       LogFormatter
	Output          io.Writer
	SkipPaths       []string
	SkipQueryString bool
}

func LoggerWithFormatter(f LogFormatter) HandlerFunc                  { return nil }
func LoggerWithConfig(conf LoggerConfig) HandlerFunc                  { return nil }
func LoggerWithWriter(out io.Writer, notlogged ...string) HandlerFunc { return nil }
