package fixnames

import (
	"net/http"
	. "time"
)

var _ = Now

var dotted = &http.Client{} // want `http\.Client literal has no Timeout`
