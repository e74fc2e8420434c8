//go:build unix

package vet

import (
	"os"
	"syscall"
)

// keepOwner gives the replacement file the original's owner, as far as the
// process may; a rename must not hand a user's file to root.
func keepOwner(f *os.File, info os.FileInfo) {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		_ = f.Chown(int(st.Uid), int(st.Gid))
	}
}
