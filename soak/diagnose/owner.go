package diagnose

import (
	"path"
	"strings"
)

// Frame is one frame of a stack: a goroutine's or an allocation's.
type Frame struct {
	Function string // package-qualified, e.g. "net/http.(*persistConn).readLoop"
	File     string // as recorded in the binary; "" when unknown
	Line     int    // 0 when unknown
}

// Owner decides whether a frame is the target's own code.
type Owner struct {
	// GOROOT is the root of the Go installation the target was built
	// with, e.g. "/usr/local/go"; GOROOTOf finds it from a dump.
	GOROOT string
	// ModulePath is the target's main module, e.g. "github.com/acme/shop"
	// (debug.BuildInfo.Main.Path of its binary); "" when unknown.
	ModulePath string
}

// Own reports whether f is the user's code: its function is in the main
// module (ModulePath), or its file is neither in GOROOT, nor in the module
// cache (a /pkg/mod/ directory, or a module@version element in a
// -trimpath binary), nor vendored. A frame without a file is not claimed
// unless its function is in the main module.
//
// Without GOROOT, a file is taken as the standard library's when its
// function's package looks like one (no dot in its first element, not
// "main"); a dotless user module ("myshop/api") then needs ModulePath.
func (o Owner) Own(f Frame) bool {
	if m := o.ModulePath; m != "" && (strings.HasPrefix(f.Function, m+".") || strings.HasPrefix(f.Function, m+"/")) {
		return true
	}
	file := strings.ReplaceAll(f.File, `\`, "/")
	if file == "" {
		return false
	}
	if strings.Contains(file, "/vendor/") || strings.HasPrefix(file, "vendor/") {
		return false
	}
	if !isAbs(file) {
		// -trimpath: "runtime/proc.go" (GOROOT), "github.com/x/y@v1.2.3/f.go"
		// (module cache), "example.com/app/f.go" (the main module).
		if hasVersionElem(file) {
			return false
		}
		first, _, _ := strings.Cut(file, "/")
		return strings.Contains(first, ".") || !strings.Contains(file, "/")
	}
	if strings.Contains(file, "/pkg/mod/") {
		return false
	}
	if root := strings.TrimSuffix(strings.ReplaceAll(o.GOROOT, `\`, "/"), "/"); root != "" {
		return !strings.HasPrefix(file, root+"/src/")
	}
	return !stdPackage(f.Function)
}

// isAbs reports whether a slash path is absolute, on Unix or Windows.
func isAbs(p string) bool {
	return strings.HasPrefix(p, "/") || len(p) >= 3 && p[1] == ':' && p[2] == '/'
}

// hasVersionElem reports whether a path element is module@version.
func hasVersionElem(p string) bool {
	for e := range strings.SplitSeq(p, "/") {
		if i := strings.Index(e, "@v"); i > 0 {
			return true
		}
	}
	return false
}

// stdPackage reports whether fn's package looks like the standard
// library's: its first path element has no dot and it is not main.
func stdPackage(fn string) bool {
	if fn == "" || strings.HasPrefix(fn, "main.") {
		return false
	}
	first := fn
	if i := strings.IndexByte(first, '/'); i >= 0 {
		first = first[:i]
	} else if i := strings.IndexByte(first, '.'); i >= 0 {
		first = first[:i]
	}
	return !strings.Contains(first, ".")
}

// GOROOTOf returns the GOROOT the stacks' binary was built with, read from
// the file of a runtime frame ("/usr/local/go/src/runtime/proc.go" gives
// "/usr/local/go"), or "" when no frame shows it (a -trimpath binary has
// relative paths, which Own recognises without GOROOT).
func GOROOTOf(stacks ...[]Frame) string {
	for _, s := range stacks {
		for _, f := range s {
			if !strings.HasPrefix(f.Function, "runtime.") {
				continue
			}
			file := strings.ReplaceAll(f.File, `\`, "/")
			dir := path.Dir(file)
			if i := strings.LastIndex(dir, "/src/runtime"); i > 0 && dir[i:] == "/src/runtime" && isAbs(file) {
				return dir[:i]
			}
		}
	}
	return ""
}
