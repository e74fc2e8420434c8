// Package fixlone has files with a single unparenthesized import.
package fixlone

import "net/http"

func std(h http.Handler) {
	_ = &http.Server{Handler: h} // want `http\.Server literal sets neither`
}
