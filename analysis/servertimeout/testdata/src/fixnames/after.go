package fixnames

import (
	"net/http"
	"unicode"
)

var _ = unicode.IsLetter

func after(h http.Handler) {
	_ = &http.Server{Handler: h} // want `http\.Server literal sets neither`
}
