// Package fixlone has a single unparenthesized import.
package fixlone

import "net/http"

var client = &http.Client{} // want `http\.Client literal has no Timeout`
