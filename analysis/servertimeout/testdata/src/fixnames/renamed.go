package fixnames

import (
	"net/http"
	stdtime "time"
)

var _ = stdtime.Now

func renamed(h http.Handler) {
	_ = &http.Server{Handler: h} // want `http\.Server literal sets neither`
}
