// Package a holds the basic cases: credential sources reaching the
// standard library's loggers.
package a

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"os"
	"strings"

	"github.com/gin-gonic/gin"
)

const hdrAuth = "authorization" // header names are case-insensitive

// ---- reported ----

func ginHeader(c *gin.Context) {
	tok := c.GetHeader("Authorization")
	log.Printf("auth: %s", tok) // want `the Authorization header value \(in tok\) reaches log\.Printf: credentials end up in log files and log pipelines — log a redacted form \(e\.g\. guard\.AccessLog redacts it\) or drop it`
}

func bearer(c *gin.Context) {
	tok := strings.TrimPrefix(c.GetHeader("Authorization"), "Bearer ")
	log.Println("token", tok) // want `the Authorization header value \(in tok\) reaches log\.Println`
}

func httpHeader(w http.ResponseWriter, r *http.Request) {
	log.Print(r.Header.Get(hdrAuth)) // want `the Authorization header value reaches log\.Print:`
}

func ginRequestHeader(c *gin.Context) {
	key := c.Request.Header.Get("X-API-KEY")
	msg := "key=" + key
	slog.Info(msg) // want `the X-Api-Key header value \(in msg\) reaches slog\.Info`
}

func headerIndex(r *http.Request) {
	v := r.Header["Proxy-Authorization"]
	slog.Warn("proxy", "auth", v) // want `the Proxy-Authorization header value \(in v\) reaches slog\.Warn`
}

func sprintf(c *gin.Context) {
	line := fmt.Sprintf("user=%s cookie=%s", c.Param("u"), c.GetHeader("Cookie"))
	fmt.Fprintln(os.Stderr, line) // want `the Cookie header value \(in line\) reaches fmt\.Fprintln to os\.Stderr`
}

func setCookie(w http.ResponseWriter) {
	sc := w.Header().Get("Set-Cookie")
	fmt.Println(sc) // want `the Set-Cookie header value \(in sc\) reaches fmt\.Println`
}

func cookieValue(c *gin.Context) {
	sess, err := c.Cookie("session")
	if err != nil {
		return
	}
	slog.Info("session", slog.String("id", sess)) // want `the value of cookie "session" reaches slog\.Info`
}

func requestCookie(r *http.Request) {
	ck, err := r.Cookie("sid")
	if err != nil {
		return
	}
	log.Printf("cookie %v", ck)      // want `the value of cookie "sid" \(in ck\) reaches log\.Printf`
	log.Printf("value %s", ck.Value) // want `the value of cookie "sid" reaches log\.Printf`
	for _, c := range r.Cookies() {
		fmt.Fprintf(gin.DefaultWriter, "%s=%s\n", c.Name, c.Value) // want `a cookie value from r\.Cookies\(\) reaches fmt\.Fprintf to gin\.DefaultWriter`
	}
}

func basicAuth(r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return
	}
	log.Printf("login %s", user)
	logger := slog.Default()
	logger.Error("bad login", "user", user, "password", pass) // want `the password from BasicAuth \(in pass\) reaches slog\.Logger\.Error`
}

func headerMap(c *gin.Context) {
	log.Printf("headers: %v", c.Request.Header) // want `the request headers c\.Request\.Header reach log\.Printf: they include the Authorization and Cookie values`
}

func headerMapVar(r *http.Request) {
	h := r.Header.Clone()
	slog.Debug("request", "headers", h) // want `the request headers r\.Header \(in h\) reach slog\.Debug`
}

func responseHeaders(resp *http.Response) {
	slog.Info("upstream", slog.Any("headers", resp.Header)) // want `the headers resp\.Header reach slog\.Info`
}

func wholeRequest(r *http.Request) {
	log.Printf("request: %+v", r) // want `\*http\.Request r is formatted into a log line with %\+v: its headers include Authorization and Cookie values — log selected fields instead`
}

func wholeRequestPrintln(c *gin.Context) {
	log.Println("got", c.Request) // want `\*http\.Request c\.Request is formatted into a log line with %v`
}

func wholeRequestSlog(r *http.Request) {
	slog.Info("request", slog.Any("req", r)) // want `\*http\.Request r is passed to slog\.Info: its headers include`
}

func requestSprintf(r *http.Request) {
	s := fmt.Sprintf("%#v", r)
	log.Print(s) // want `\*http\.Request r \(in s\), formatted with %#v, reaches log\.Print:`
}

func dumpRequest(r *http.Request) {
	b, err := httputil.DumpRequest(r, false)
	if err != nil {
		return
	}
	log.Printf("%s", b) // want `the request dump from httputil\.DumpRequest \(in b\) reaches log\.Printf: it includes the request's Authorization and Cookie headers`
}

func dumpOut(req *http.Request) {
	b, _ := httputil.DumpRequestOut(req, true)
	io.WriteString(os.Stdout, string(b)) // want `the request dump from httputil\.DumpRequestOut reaches io\.WriteString to os\.Stdout`
}

func customLogger(c *gin.Context) {
	l := log.New(os.Stderr, "api ", log.LstdFlags)
	auth := c.GetHeader("Authorization")
	l.Printf("auth header %q", auth) // want `the Authorization header value \(in auth\) reaches log\.Logger\.Printf`
}

func withAttrs(c *gin.Context) {
	var attrs []slog.Attr
	attrs = append(attrs, slog.String("path", c.FullPath()))
	attrs = append(attrs, slog.String("auth", c.GetHeader("Authorization")))
	slog.LogAttrs(c, slog.LevelInfo, "req", attrs...) // want `the Authorization header value \(in attrs\) reaches slog\.LogAttrs`
}

func loggerWith(c *gin.Context) {
	l := slog.Default().With("key", c.GetHeader("X-Api-Key")) // want `the X-Api-Key header value reaches slog\.Logger\.With`
	l.Info("hello")
}

func builder(c *gin.Context) {
	var sb strings.Builder
	sb.WriteString("auth=")
	sb.WriteString(c.GetHeader("Authorization"))
	log.Println(sb.String()) // want `the Authorization header value reaches log\.Println`
}

func errorValue(c *gin.Context) {
	tok := c.GetHeader("Authorization")
	err := fmt.Errorf("invalid token %q", tok)
	log.Printf("auth failed: %v", err) // want `the Authorization header value \(in err\) reaches log\.Printf`
}

func closure(c *gin.Context) {
	tok := c.GetHeader("Authorization")
	defer func() {
		println("done", tok) // want `the Authorization header value \(in tok\) reaches println`
	}()
}

// Every header, unfiltered.
func allHeaders(r *http.Request) {
	for k, v := range r.Header {
		log.Printf("%s: %v", k, v) // want `the values of every header in r\.Header \(in v\) reach log\.Printf`
	}
	for k := range r.Header {
		log.Printf("%s: %s", k, r.Header.Get(k)) // want `the values of every header in r\.Header reach log\.Printf`
	}
}

func allHeadersBuilder(r *http.Request) {
	var sb strings.Builder
	for k, v := range r.Header {
		fmt.Fprintf(&sb, "%s=%v;", k, v)
	}
	log.Println(sb.String()) // want `the values of every header in r\.Header reach log\.Println`
}

func builtHeader(c *gin.Context) {
	h := http.Header{}
	h.Set("Authorization", c.GetHeader("Authorization"))
	for k, v := range h {
		log.Println(k, v) // want `the values of every header in h \(in v\) reach log\.Println`
	}
}

// A gin access-log formatter that prints the headers.
var formatter = gin.LoggerWithFormatter(func(p gin.LogFormatterParams) string {
	return fmt.Sprintf("%s %s %v\n", p.Method, p.Path, p.Request.Header) // want `the request headers p\.Request\.Header reach a gin LogFormatter's result \(gin's access log\)`
})

func namedFormatter(p gin.LogFormatterParams) string {
	return p.Method + " " + p.Request.Header.Get("Authorization") // want `the Authorization header value reaches a gin LogFormatter`
}

func suppressed(c *gin.Context) {
	//ginleak:ignore secretlog the token is a public demo key, logged on purpose
	log.Println(c.GetHeader("X-Api-Key"))
	log.Println(c.GetHeader("X-Api-Key")) //ginleak:ignore GL1010 same demo key
}

// ---- not reported ----

func otherHeaders(c *gin.Context, r *http.Request) {
	log.Printf("ua=%s", c.GetHeader("User-Agent"))
	log.Printf("ct=%s", r.Header.Get("Content-Type"))
	slog.Info("req", "ua", r.Header["User-Agent"], "id", c.Request.Header.Values("X-Request-Id"))
}

func presence(c *gin.Context) {
	tok := c.GetHeader("Authorization")
	log.Printf("has token: %t, length %d", tok != "", len(tok))
	if tok == "" {
		log.Println("missing Authorization header")
	}
}

func fields(r *http.Request) {
	log.Printf("%s %s %s from %s", r.Method, r.URL.Path, r.Proto, r.RemoteAddr)
	ck, err := r.Cookie("sid")
	if err == nil {
		log.Printf("cookie %s expires %v", ck.Name, ck.Expires)
	}
	log.Printf("request at %p of type %T", r, r)
}

func notALog(c *gin.Context) {
	tok := c.GetHeader("Authorization")
	c.Header("X-Echo", tok)
	c.String(http.StatusOK, "token %s", tok)
	_ = fmt.Sprintf("%s", tok)
	fmt.Fprintf(c.Writer, "%s", tok) // the response, not a log
}

func reassigned(c *gin.Context) {
	tok := c.GetHeader("Authorization")
	tok = "[REDACTED]"
	log.Println(tok)
}

func fresh(c *gin.Context) {
	h := http.Header{}
	h.Set("User-Agent", c.GetHeader("User-Agent"))
	log.Printf("%v", h)
}

func unknownCall(c *gin.Context) {
	claims := parseClaims(c.GetHeader("Authorization"))
	log.Printf("subject %s", claims)
}

func parseClaims(string) string { return "" }
