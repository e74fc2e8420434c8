// Package fix already imports time.
package fix

import (
	"net/http"
	"time"
)

var multi = &http.Client{ // want `http\.Client literal has no Timeout`
	Transport: http.DefaultTransport, // shared pool
}

var one = &http.Client{Transport: http.DefaultTransport} // want `http\.Client literal has no Timeout`

var empty = http.Client{} // want `http\.Client literal has no Timeout`

var emptyMulti = &http.Client{ // want `http\.Client literal has no Timeout`
}

func many() []*http.Client {
	return []*http.Client{{}, {Timeout: time.Second}} // want `http\.Client literal has no Timeout`
}

func nested() {
	f := func() *http.Client {
		if true {
			return &http.Client{ // want `http\.Client literal has no Timeout`
				CheckRedirect: nil,
			}
		}
		return nil
	}
	_ = f
}
