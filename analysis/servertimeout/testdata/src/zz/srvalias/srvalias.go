// Package srvalias lets a file build an http.Server without importing
// net/http.
package srvalias

import "net/http"

type Server = http.Server
