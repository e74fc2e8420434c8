// Package fixnames covers the ways a file may already refer to package time.
package fixnames

import (
	"net/http"
	stdtime "time"
)

var _ = stdtime.Now

var renamed = &http.Client{} // want `http\.Client literal has no Timeout`
