// Package nohttp imports neither gin nor net/http: nothing to check.
package nohttp

func Get(url string) error { return nil }

func Handler() { _ = Get("x") }
