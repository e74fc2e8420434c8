package odd

import (
	"net/http"
	. "net/http"
	nh "net/http"
	"time"

	"github.com/gin-gonic/gin"
)

type Ctx = gin.Context

type HC = http.Client

type wrapper struct {
	http.Client
}

// Aliased types and renamed/dot imports.
var (
	a1 = &HC{}         // want `http\.Client literal has no Timeout`
	a2 = nh.Client{}   // want `http\.Client literal has no Timeout`
	a3 = &wrapper{}    // not an http.Client literal
	a4 = wrapper{HC{}} // want `http\.Client literal has no Timeout`
)

func Aliased(c *Ctx) {
	_, _ = Get("http://dot")                 // want `http\.Get uses http\.DefaultClient`
	_, _ = nh.DefaultClient.Head("http://x") // want `http\.DefaultClient\.Head is called`
	f := http.Get                            // a method value or function value: not followed
	_, _ = f("http://x")
	d := http.DefaultClient // a copy of DefaultClient: not followed
	_, _ = d.Get("http://x")
}

// Generic functions and methods reached from a handler.
type repo[T any] struct{}

func (r *repo[T]) load() { _, _ = http.Get("http://generic") } // want `http\.Get uses http\.DefaultClient, which has no timeout, from request handling \(load, reached from handler Generic\)`

func get[T any]() { _, _ = http.Get("http://g") } // want `from request handling \(get, reached from handler Generic\)`

func Generic(c *gin.Context) {
	(&repo[int]{}).load()
	get[string]()
}

// Recursion does not loop.
func Rec(c *gin.Context) { rec(3) }

func rec(n int) {
	if n > 0 {
		rec(n - 1)
	}
}

// An explicit zero Timeout is the author's decision.
var zero = &http.Client{Timeout: 0 * time.Second}

// An unnamed gin parameter.
func Unnamed(_ *gin.Context) {
	_, _ = http.Get("http://x") // want `http\.NewRequestWithContext\(c\.Request\.Context\(\), \.\.\.\)`
}

// Package-level calls are not request handling.
var resp, _ = http.Get("http://init")
