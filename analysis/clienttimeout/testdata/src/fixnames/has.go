package fixnames

import (
	"net/http"
	"time"
)

var _ = time.Now

// A local variable named time hides the package: no fix.
func shadowed() *http.Client {
	time := 3
	_ = time
	return &http.Client{} // want `http\.Client literal has no Timeout`
}
