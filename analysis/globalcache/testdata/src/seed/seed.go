// Package seed is chapter 3.2's global map cache, served by a gin handler.
package seed

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type Response struct {
	Status int
	Body   []byte
}

func fetch(url string) *Response {
	resp, err := http.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	return &Response{Status: resp.StatusCode}
}

var cache = make(map[string]*Response) // want `^package-level map cache grows on every request \(written at seed\.go:31 in Get, reached from handler Proxy\) and nothing ever deletes from it: memory grows without bound — use a bounded TTL/LRU cache \(e\.g\. github\.com/maypok86/otter/v2\) or delete entries; the write is also a data race: no mutex is held$`

func Get(url string) *Response {
	if res, ok := cache[url]; ok { // 并发读
		return res
	}
	res := fetch(url)
	cache[url] = res // 并发写,可能崩溃
	return res
}

func Proxy(c *gin.Context) {
	c.JSON(200, Get(c.Query("url")))
}
