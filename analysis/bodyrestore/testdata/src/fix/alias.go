package fix

import (
	stdio "io"
	"net/http"
)

func Aliased(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payload, _ := stdio.ReadAll(r.Body) // want `read by io\.ReadAll`
		_ = payload
		next.ServeHTTP(w, r)
	})
}
