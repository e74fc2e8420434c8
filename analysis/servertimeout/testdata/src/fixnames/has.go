// Package fixnames covers the ways a file may already refer to package time.
package fixnames

import (
	"net/http"
	"time"
)

func hasTime(h http.Handler) {
	srv := &http.Server{Handler: h, WriteTimeout: time.Minute} // want `http\.Server literal sets neither`
	_ = srv.ListenAndServe()
}

// A local variable named time hides the package: no fix.
func shadowed(h http.Handler) {
	time := 3
	_ = &http.Server{Handler: h} // want `http\.Server literal sets neither`
	_ = time
}
