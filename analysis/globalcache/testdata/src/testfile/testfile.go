package testfile

import "net/http"

var hits = map[string]int{}

func Hits(w http.ResponseWriter, r *http.Request) { _ = hits[r.URL.Path] }
