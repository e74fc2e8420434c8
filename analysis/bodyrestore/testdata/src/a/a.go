package a

import (
	"bytes"
	"io"
	"io/ioutil"
	"log"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
)

// --- reported ---

func ReadAllFactory() gin.HandlerFunc {
	return func(c *gin.Context) {
		body, _ := io.ReadAll(c.Request.Body) // want `request body is read by io\.ReadAll here but not restored before c\.Next\(\) at line 20; later handlers see an empty body — assign c\.Request\.Body = io\.NopCloser\(bytes\.NewReader\(body\)\) after reading`
		log.Printf("%s", body)
		c.Next()
	}
}

func IoutilDecl(c *gin.Context) {
	data, err := ioutil.ReadAll(c.Request.Body) // want `read by ioutil\.ReadAll here but not restored before c\.Next\(\)`
	if err != nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	log.Println(len(data))
	c.Next()
}

func RawData(c *gin.Context) {
	raw, _ := c.GetRawData() // want `read by c\.GetRawData here but not restored before c\.Next\(\) .* assign c\.Request\.Body = io\.NopCloser\(bytes\.NewReader\(raw\)\)`
	log.Println(len(raw))
	c.Next()
}

func CopyToBuffer(c *gin.Context) {
	var buf bytes.Buffer
	io.Copy(&buf, c.Request.Body) // want `read by io\.Copy here .* assign c\.Request\.Body = io\.NopCloser\(bytes\.NewReader\(buf\.Bytes\(\)\)\)`
	c.Next()
}

func Drain(c *gin.Context) {
	io.Copy(io.Discard, c.Request.Body) // want `read by io\.Copy here .* keep the bytes read and assign c\.Request\.Body = io\.NopCloser\(bytes\.NewReader\(data\)\)`
	c.Next()
}

func Discarded(c *gin.Context) {
	_, _ = io.ReadAll(c.Request.Body) // want `keep the bytes read and assign`
	c.Next()
}

func Limited(c *gin.Context) {
	b, _ := io.ReadAll(io.LimitReader(c.Request.Body, 1<<20)) // want `read by io\.ReadAll`
	log.Println(len(b))
	c.Next()
}

func MaxBytes(c *gin.Context) {
	b, _ := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)) // want `read by io\.ReadAll`
	log.Println(len(b))
	c.Next()
}

// Wrapping the body before the read is not a restore: it is still drained.
func MaxBytesBefore(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)
	b, _ := io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
	log.Println(len(b))
	c.Next()
}

// r = r.WithContext(...) shares the drained body.
func WithContextIsNoRestore(c *gin.Context) {
	b, _ := io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
	log.Println(len(b))
	c.Request = c.Request.WithContext(c.Request.Context())
	c.Next()
}

// A conditional read still falls through to c.Next().
func ConditionalRead(c *gin.Context) {
	if c.Request.Method == http.MethodPost {
		b, _ := io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
		log.Println(len(b))
	}
	c.Next()
}

// The first c.Next() after the read is named even if a later one is restored.
func EarlyNext(c *gin.Context, fast bool) {
	b, _ := io.ReadAll(c.Request.Body) // want `before c\.Next\(\) at line 97`
	if fast {
		c.Next()
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(b))
	c.Next()
}

// A restore in a deferred call runs after c.Next().
func DeferredRestore(c *gin.Context) {
	b, _ := io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
	defer func() { c.Request.Body = io.NopCloser(bytes.NewReader(b)) }()
	c.Next()
}

// A helper that does not assign the body does not restore it.
func logBody(c *gin.Context, b []byte) { log.Println(c.FullPath(), len(b)) }

func HelperNoRestore(c *gin.Context) {
	b, _ := io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
	logBody(c, b)
	c.Next()
}

// Reading a request through a local variable.
func LocalRequest(c *gin.Context) {
	req := c.Request
	b, _ := io.ReadAll(req.Body) // want `assign req\.Body = io\.NopCloser\(bytes\.NewReader\(b\)\)`
	log.Println(len(b))
	c.Next()
}

// A gin.HandlerFunc value called with c passes the request on too.
func Wrap(h gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		b, _ := io.ReadAll(c.Request.Body) // want `before h\(c\) at line`
		log.Println(len(b))
		h(c)
	}
}

// Suppressed with a reason.
func Suppressed(c *gin.Context) {
	//ginleak:ignore bodyrestore the upstream handlers never read the body
	b, _ := io.ReadAll(c.Request.Body)
	log.Println(len(b))
	c.Next()
}

func SuppressedByID(c *gin.Context) {
	b, _ := io.ReadAll(c.Request.Body) //ginleak:ignore GL1002 body is logged only, handlers use query params
	log.Println(len(b))
	c.Next()
}

// A directive without a reason silences nothing.
func NoReason(c *gin.Context) {
	//ginleak:ignore bodyrestore
	b, _ := io.ReadAll(c.Request.Body) // want `read by io\.ReadAll`
	log.Println(len(b))
	c.Next()
}

// --- not reported ---

// The end of the chain: nothing after it reads the body.
func EndHandler(c *gin.Context) {
	b, _ := io.ReadAll(c.Request.Body)
	c.Data(200, "application/octet-stream", b)
}

func Restored(c *gin.Context) {
	body, _ := io.ReadAll(c.Request.Body)
	c.Request.Body = io.NopCloser(bytes.NewBuffer(body))
	c.Next()
}

func RestoredInIf(c *gin.Context) {
	body, err := io.ReadAll(c.Request.Body)
	if err == nil {
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
	}
	c.Next()
}

func restoreBody(c *gin.Context, b []byte) {
	c.Request.Body = io.NopCloser(bytes.NewReader(b))
}

func setBody(r *http.Request, b []byte) { r.Body = io.NopCloser(bytes.NewReader(b)) }

func restoreVia(r *http.Request, b []byte) { setBody(r, b) }

func RestoredByHelper(c *gin.Context) {
	b, _ := io.ReadAll(c.Request.Body)
	restoreBody(c, b)
	c.Next()
}

func RestoredByRequestHelper(c *gin.Context) {
	b, _ := io.ReadAll(c.Request.Body)
	restoreVia(c.Request, b)
	c.Next()
}

func RestoredByClosure(c *gin.Context) {
	b, _ := io.ReadAll(c.Request.Body)
	func() { c.Request.Body = io.NopCloser(bytes.NewReader(b)) }()
	c.Next()
}

// A whole new request carries its own body.
func NewRequest(c *gin.Context) {
	b, _ := io.ReadAll(c.Request.Body)
	req, _ := http.NewRequestWithContext(c, c.Request.Method, c.Request.URL.String(), bytes.NewReader(b))
	c.Request = req
	c.Next()
}

func ShouldBindBodyWith(c *gin.Context) {
	var v struct{ Name string }
	if err := c.ShouldBindBodyWith(&v, binding.JSON); err != nil {
		c.AbortWithStatus(http.StatusBadRequest)
		return
	}
	c.Next()
}

// The read happens only on a branch that returns.
func RejectLarge(c *gin.Context) {
	if c.Request.ContentLength > 1<<20 {
		b, _ := io.ReadAll(io.LimitReader(c.Request.Body, 64))
		c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, gin.H{"head": string(b)})
		return
	}
	c.Next()
}

// Read and c.Next() on different branches.
func Branches(c *gin.Context) {
	if c.Request.Method == http.MethodGet {
		c.Next()
	} else {
		b, _ := io.ReadAll(c.Request.Body)
		c.Data(200, "text/plain", b)
	}
}

func Switch(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodPost:
		b, _ := io.ReadAll(c.Request.Body)
		c.Data(200, "text/plain", b)
	default:
		c.Next()
	}
}

// Reading after c.Next() (say, for logging) affects no later handler.
func ReadAfter(c *gin.Context) {
	c.Next()
	b, _ := io.ReadAll(c.Request.Body)
	log.Println(len(b))
}

// A read in a goroutine belongs to that goroutine's function.
func ReadInGoroutine(c *gin.Context) {
	r := c.Request.Clone(c)
	go func() { _, _ = io.ReadAll(r.Body) }()
	c.Next()
}

// Reading a response body is not the request's.
func Upstream(c *gin.Context) {
	resp, err := http.Get("http://upstream")
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.Set("upstream", b)
	}
	c.Next()
}

// Restored in one statement around the read.
func must(b []byte, err error) []byte { return b }

func Inline(c *gin.Context) {
	c.Request.Body = io.NopCloser(bytes.NewReader(must(io.ReadAll(c.Request.Body))))
	c.Next()
}
