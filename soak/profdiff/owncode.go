// Package profdiff localises a leak that a soak has proven: it diffs the
// heap profile taken at the first checkpoint after warm-up against the last
// one and lists the allocation sites whose live bytes grew (HeapSites), and
// it does the same for goroutine dumps, listing the stacks whose goroutine
// count grew with the site that created them (GoroutineSites). Both name
// the first frame in the target's own code (OwnCode), which is where a
// user has to look, beside the frame that actually allocated or blocked.
//
// The package only computes: fetching profiles is the caller's business.
package profdiff

import "strings"

// isStdlibRoot reports whether s is the first path element of a standard
// library package (Go 1.26), or "vendor" for its vendored golang.org/x code.
func isStdlibRoot(s string) bool {
	switch s {
	case "archive", "arena", "bufio", "builtin", "bytes", "cmp", "compress", "container",
		"context", "crypto", "database", "debug", "embed", "encoding", "errors", "expvar",
		"flag", "fmt", "go", "hash", "html", "image", "index", "internal", "io", "iter",
		"log", "maps", "math", "mime", "net", "os", "path", "plugin", "reflect", "regexp",
		"runtime", "simd", "slices", "sort", "strconv", "strings", "structs", "sync",
		"syscall", "testing", "text", "time", "unicode", "unique", "unsafe", "vendor", "weak":
		return true
	}
	return false
}

// frameworkPrefixes are import paths of well-known frameworks and
// libraries, separated by spaces: a leak that shows up inside them is almost
// always caused by the code that calls them, so attribution walks past them.
const frameworkPrefixes = `
	github.com/gin-gonic github.com/gin-contrib golang.org/x google.golang.org
	github.com/bytedance/sonic github.com/bytedance/gopkg github.com/cloudwego
	github.com/goccy/go-json github.com/goccy/go-yaml github.com/json-iterator/go
	github.com/modern-go github.com/go-playground github.com/leodido/go-urn
	github.com/ugorji/go github.com/pelletier/go-toml github.com/quic-go
	github.com/mattn/go-isatty github.com/gabriel-vasile/mimetype github.com/klauspost
	github.com/andybalholm/brotli github.com/prometheus github.com/google/pprof
	github.com/google/uuid github.com/golang/protobuf github.com/grpc-ecosystem
	go.uber.org go.opentelemetry.io gopkg.in gorm.io
	github.com/sirupsen/logrus github.com/rs/zerolog github.com/valyala
	github.com/gofiber github.com/labstack github.com/gorilla github.com/go-chi
	github.com/julienschmidt/httprouter github.com/redis/go-redis
	github.com/go-sql-driver github.com/jackc github.com/maypok86/otter
	github.com/hashicorp/golang-lru github.com/dgraph-io/ristretto
	github.com/patrickmn/go-cache github.com/allegro/bigcache
	github.com/HdrHistogram/hdrhistogram-go
`

// OwnCode reports whether the function named fn (as in profiles and
// tracebacks, e.g. "github.com/acme/shop/api.(*Cart).Add.func1") is the
// target's own code: not the standard library and not a well-known
// framework or library (Gin and gin-contrib, golang.org/x, google.golang.org,
// sonic, go-json, validator, Prometheus, OpenTelemetry, common caches, ...).
//
// The standard library is recognised by the first path element, which is
// one of its top-level packages ("runtime.", "net/http.", "bufio.",
// "encoding/json.", "vendor/golang.org/x/net/..."); compiler-generated
// symbols ("type:.eq...", "go:...") are not own code. Everything else is:
// "main." functions, module paths without a dot ("myshop/api.Get") and any
// third-party path not in the list. The heuristic cannot tell an unlisted
// library from the target.
func OwnCode(fn string) bool {
	if fn == "" || strings.HasPrefix(fn, "type:") || strings.HasPrefix(fn, "go:") {
		return false
	}
	path := fn
	if i := strings.IndexByte(path, '['); i >= 0 { // generic instantiation: "pkg.F[...]"
		path = path[:i]
	}
	first := path
	if i := strings.IndexByte(path, '/'); i >= 0 {
		first = path[:i]
	} else if i := strings.IndexByte(path, '.'); i >= 0 {
		first = path[:i]
	}
	if !strings.Contains(first, ".") {
		return !isStdlibRoot(first)
	}
	for p := range strings.FieldsSeq(frameworkPrefixes) {
		if strings.HasPrefix(path, p) && (len(path) == len(p) || path[len(p)] == '/' || path[len(p)] == '.') {
			return false
		}
	}
	return true
}

// isRuntime reports whether fn is a runtime function, skipped when looking
// for the frame that allocated.
func isRuntime(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/runtime/") ||
		strings.HasPrefix(fn, "runtime/internal/")
}
