// Package seedfixed is chapter 3.2's cache fixed as the chapter advises:
// entries expire (a TTL), so there is a removal path, and a mutex guards it.
package seedfixed

import (
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

type Response struct {
	Status int
}

type entry struct {
	res     *Response
	expires time.Time
}

func fetch(url string) *Response {
	resp, err := http.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	return &Response{Status: resp.StatusCode}
}

var (
	mu    sync.RWMutex
	cache = make(map[string]entry)
)

func Get(url string) *Response {
	mu.RLock()
	e, ok := cache[url]
	mu.RUnlock()
	if ok && time.Now().Before(e.expires) {
		return e.res
	}
	res := fetch(url)
	mu.Lock()
	cache[url] = entry{res: res, expires: time.Now().Add(time.Minute)}
	mu.Unlock()
	return res
}

// janitor evicts expired entries.
func janitor() {
	for range time.Tick(time.Minute) {
		mu.Lock()
		for k, e := range cache {
			if time.Now().After(e.expires) {
				delete(cache, k)
			}
		}
		mu.Unlock()
	}
}

func init() { go janitor() }

func Proxy(c *gin.Context) {
	c.JSON(200, Get(c.Query("url")))
}
