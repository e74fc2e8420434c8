// Package fiximport has no time import: the fix adds it.
package fiximport

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func multiLine(r *gin.Engine) {
	srv := &http.Server{ // want `http\.Server literal sets neither`
		Addr:    ":8080",
		Handler: r, // the router
	}
	_ = srv.ListenAndServe()
}

func oneLine(r *gin.Engine) {
	srv := &http.Server{Addr: ":8080", Handler: r} // want `http\.Server literal sets neither`
	_ = srv.ListenAndServe()
}

func empty() *http.Server {
	return &http.Server{} // want `http\.Server literal sets neither`
}

func emptyMultiLine() http.Server {
	return http.Server{ // want `http\.Server literal sets neither`
	}
}

func nested(r *gin.Engine) {
	start := func() {
		if r != nil {
			srv := http.Server{ // want `http\.Server literal sets neither`
				Handler: r,
			}
			_ = srv.ListenAndServe()
		}
	}
	start()
}
