// Package testfiles: production code is checked, _test.go files are not.
package testfiles

import (
	"io"
	"log"
	"net/http"
)

func Upload(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body) // want `io\.ReadAll reads the whole request body with no size limit`
	log.Println(len(body))
}
