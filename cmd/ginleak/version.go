package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// versionString reads the module version and VCS stamp from build info, so
// `go install github.com/ginleak/ginleak/cmd/ginleak@v1.2.3` reports v1.2.3
// and a checkout build reports (devel) with its commit when stamped.
func versionString() string {
	version, revision, modified := "(devel)", "", false
	if info, ok := debug.ReadBuildInfo(); ok {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	out := "ginleak " + version
	if revision != "" {
		if len(revision) > 12 {
			revision = revision[:12]
		}
		out += " " + revision
		if modified {
			out += "+dirty"
		}
	}
	return fmt.Sprintf("%s %s/%s %s", out, runtime.GOOS, runtime.GOARCH, runtime.Version())
}
