package fixnames

import (
	"net/http"
	_ "time"
)

func blank(h http.Handler) {
	_ = &http.Server{Handler: h} // want `http\.Server literal sets neither`
}
