// Package main is chapter 3.2's global map cache when only main fills it:
// that is start-up work, not request handling.
package main

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

type Response struct {
	Status int
}

func fetch(url string) *Response {
	resp, err := http.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	return &Response{Status: resp.StatusCode}
}

var cache = make(map[string]*Response)

func Get(url string) *Response {
	if res, ok := cache[url]; ok {
		return res
	}
	res := fetch(url)
	cache[url] = res
	return res
}

func main() {
	for _, u := range []string{"https://a.example", "https://b.example"} {
		Get(u)
	}
	r := gin.Default()
	r.GET("/status", func(c *gin.Context) {
		c.JSON(200, cache[c.Query("url")]) // a read
	})
}
