package fixnames

import (
	"net/http"
	. "time"
)

var _ = Now

func dot(h http.Handler) {
	_ = &http.Server{Handler: h} // want `http\.Server literal sets neither`
}
