// Package nohttp imports neither gin nor net/http: it is skipped.
package nohttp

var m = map[string]int{}

func Put(k string) { m[k] = 1 }
