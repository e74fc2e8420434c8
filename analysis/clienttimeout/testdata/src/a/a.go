package a

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Literals: anywhere in the package.

var shared = &http.Client{} // want `^http\.Client literal has no Timeout: a slow upstream holds the request's goroutine and buffers forever — set Timeout \(e\.g\. 10 \* time\.Second\), or, for a client made for long transfers \(uploads, downloads\), a Transport with dial, TLS and ResponseHeaderTimeout timeouts and a context deadline on each request$`

// Bounded at the connection: a client for long transfers (see transfer).
var withTransport = &http.Client{
	Transport: &http.Transport{ResponseHeaderTimeout: 5 * time.Second},
}

var good = &http.Client{Timeout: 10 * time.Second}

var configured = &http.Client{}

func init() { configured.Timeout = 5 * time.Second } // a package-level client may get it anywhere

type service struct{ client *http.Client }

func newService() *service {
	return &service{client: &http.Client{}} // want `http\.Client literal has no Timeout`
}

func newClient() *http.Client {
	c := &http.Client{}
	c.Timeout = 3 * time.Second
	return c
}

func newValue() http.Client {
	var c = http.Client{}
	c.Timeout = time.Second
	return c
}

func assignedBefore() *http.Client {
	c := &http.Client{}
	c.Timeout = time.Second
	c = &http.Client{} // want `http\.Client literal has no Timeout`
	return c
}

func (s *service) init() {
	s.client = &http.Client{}
	s.client.Timeout = time.Second
}

func clients() []*http.Client {
	return []*http.Client{{Timeout: time.Second}, {}} // want `http\.Client literal has no Timeout`
}

// DefaultClient shortcuts from request handling.

func Proxy(c *gin.Context) {
	resp, err := http.Get("http://upstream/" + c.Param("id")) // want `http\.Get uses http\.DefaultClient, which has no timeout, from a request handler: a slow upstream holds this handler's goroutine and memory without bound — use a client with Timeout and http\.NewRequestWithContext\(c\.Request\.Context\(\), \.\.\.\)`
	if err != nil {
		c.Status(http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	_, _ = io.Copy(c.Writer, resp.Body)
}

func Forward(ctx *gin.Context) {
	req, _ := http.NewRequestWithContext(ctx.Request.Context(), "GET", "http://upstream", nil)
	resp, err := http.DefaultClient.Do(req) // want `http\.DefaultClient\.Do is called from a request handler, and http\.DefaultClient has no timeout: .* — use a client with Timeout and http\.NewRequestWithContext\(ctx\.Request\.Context\(\), \.\.\.\)`
	if err == nil {
		resp.Body.Close()
	}
	_, _ = http.Head("http://upstream")                                      // want `http\.Head uses http\.DefaultClient`
	_, _ = http.Post("http://upstream", "text/plain", strings.NewReader("")) // want `http\.Post uses http\.DefaultClient`
	_, _ = http.PostForm("http://upstream", url.Values{})                    // want `http\.PostForm uses http\.DefaultClient`
	_, _ = http.DefaultClient.Get("http://upstream")                         // want `http\.DefaultClient\.Get is called`
}

// Reached from a handler through same-package calls.
func Lookup(c *gin.Context) {
	_ = fetch(c.Param("id"))
}

func fetch(id string) error {
	return fetchURL("http://users/" + id)
}

func fetchURL(u string) error {
	resp, err := http.Get(u) // want `http\.Get uses http\.DefaultClient, which has no timeout, from request handling \(fetchURL, reached from handler Lookup\)`
	if err == nil {
		resp.Body.Close()
	}
	return err
}

// A function passed on by a handler (g.Go(poll), run later) counts too.
func Poll(c *gin.Context) {
	runAll(poll)
}

func runAll(fs ...func()) {}

func poll() {
	_, _ = http.Get("http://poll") // want `http\.Get uses http\.DefaultClient, which has no timeout, from request handling \(poll, reached from handler Poll\)`
}

func Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		_, _ = http.Get("http://auth") // want `http\.Get uses http\.DefaultClient, which has no timeout, from a request handler`
		c.Next()
	}
}

func Suppressed(c *gin.Context) {
	//ginleak:ignore clienttimeout the upstream is a local sidecar that answers in microseconds
	_, _ = http.Get("http://localhost:9000/ok")
}

// Negative cases.

var api = &http.Client{Timeout: 5 * time.Second}

func Good(c *gin.Context) {
	req, _ := http.NewRequestWithContext(c.Request.Context(), "GET", "http://upstream", nil)
	resp, err := api.Do(req)
	if err == nil {
		resp.Body.Close()
	}
}

// Not request handling: startup code and a function no handler reaches.
func main() {
	_, _ = http.Get("http://config")
	warmup()
}

func warmup() {
	_, _ = http.DefaultClient.Get("http://warm")
}

// A local client that is not DefaultClient: only its literal matters.
func OwnClient(c *gin.Context) {
	cl := &http.Client{Timeout: time.Second}
	_, _ = cl.Get("http://upstream")
}

// Other DefaultClient methods send nothing.
func Idle(c *gin.Context) {
	http.DefaultClient.CloseIdleConnections()
}
